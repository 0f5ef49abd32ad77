/**
 * The recordings sheet (#19): every recording part, newest first, filterable by session, each
 * with Play, Download (.cast) and Delete (behind a confirm sheet). Play swaps the list for the
 * player, which is a chunk of its own (the asciinema player is only fetched to play).
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { errorText } from '../errorText';
import { formatSize } from '../files/paths';
import { ConfirmSheet } from '../ui/ConfirmSheet';
import type { PanelProps } from '../ui/panels';
import { Sheet } from '../ui/Sheet';
import { useLazy } from '../ui/useLazy';
import { formatDuration, formatStart, recordedSessions, recordingTitle } from './format';
import { recordingsApi, type RecordingInfo } from './recordingsApi';
import './recordings.css';

/** How often the open list is refreshed: a recording under way grows. */
const POLL_MS = 5000;

function Row({ r, onPlay, onDelete }: { r: RecordingInfo; onPlay(): void; onDelete(): void }) {
  const title = recordingTitle(r);
  return (
    <li class="rec-item">
      <div class="rec-item-head">
        <span class="rec-item-name">{title}</span>
        {r.active && (
          <span class="rec-badge live">
            <span class="rec-dot" aria-hidden="true" /> recording
          </span>
        )}
        {r.input && <span class="rec-badge" title="Keystrokes were recorded too">keys</span>}
      </div>
      <p class="rec-item-meta">
        <time dateTime={r.startedAt} title={new Date(r.startedAt).toLocaleString()}>
          {formatStart(r.startedAt)}
        </time>
        <span aria-hidden="true"> · </span>
        <span>{formatDuration(r.duration)}</span>
        <span aria-hidden="true"> · </span>
        <span>{formatSize(r.bytes)}</span>
        {r.marks > 0 && (
          <>
            <span aria-hidden="true"> · </span>
            <span>
              {r.marks} mark{r.marks === 1 ? '' : 's'}
            </span>
          </>
        )}
      </p>
      <div class="rec-item-actions">
        <button type="button" class="btn primary" aria-label={`Play ${title}`} onClick={onPlay}>
          Play
        </button>
        <a class="btn" href={recordingsApi.downloadUrl(r.id)} download aria-label={`Download ${title}`}>
          Download
        </a>
        <button
          type="button"
          class="btn danger"
          aria-label={`Delete ${title}`}
          title={r.active ? 'Stop recording first' : 'Delete'}
          disabled={r.active}
          onClick={onDelete}
        >
          Delete
        </button>
      </div>
    </li>
  );
}

export default function RecordingsPanel({ sessionId, onClose }: PanelProps) {
  const list = useSignal<RecordingInfo[] | null>(null);
  const error = useSignal<string | null>(null);
  const filter = useSignal(sessionId);
  const playing = useSignal<RecordingInfo | null>(null);
  const doomed = useSignal<RecordingInfo | null>(null);
  const player = useLazy(() => import('./Player').then((m) => m.default));

  const load = async () => {
    try {
      list.value = await recordingsApi.list();
      error.value = null;
    } catch (err) {
      error.value = errorText(err);
    }
  };
  useEffect(() => {
    void load();
    const t = setInterval(() => !playing.peek() && document.visibilityState === 'visible' && void load(), POLL_MS);
    return () => clearInterval(t);
  }, []);

  const remove = async (r: RecordingInfo) => {
    try {
      await recordingsApi.remove(r.id);
      list.value = (list.value ?? []).filter((x) => x.id !== r.id);
    } catch (err) {
      error.value = errorText(err);
    }
  };

  const play = (r: RecordingInfo) => {
    playing.value = r;
    player.load().catch(() => (error.value = 'Could not load the player. Reload the page.'));
  };

  const all = list.value ?? [];
  const sessions = recordedSessions(all);
  const shown = filter.value ? all.filter((r) => r.sessionId === filter.value) : all;
  const Player = player.value.value;
  const current = playing.value;
  const d = doomed.value;

  return (
    <Sheet title={current ? `Playing ${recordingTitle(current)}` : 'Recordings'} onClose={onClose} wide class="rec-sheet">
      {current ? (
        <>
          <button type="button" class="btn rec-back" onClick={() => (playing.value = null)}>
            ← Recordings
          </button>
          {Player ? <Player rec={current} /> : !error.value && <p class="muted">Loading the player…</p>}
        </>
      ) : (
        <>
          {(sessions.length > 1 || filter.value) && (
            <label class="rec-filter">
              <span>Session</span>
              <select value={filter.value} onChange={(e) => (filter.value = e.currentTarget.value)}>
                <option value="">All sessions</option>
                {filter.value && !sessions.some((s) => s.id === filter.value) && <option value={filter.value}>This session</option>}
                {sessions.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          {list.value === null ? (
            !error.value && <p class="muted">Loading recordings…</p>
          ) : shown.length === 0 ? (
            <p class="muted rec-none">
              No recordings{filter.value ? ' of this session' : ''} yet. Open a session, tap ▤ (Sessions) and turn on Record.
            </p>
          ) : (
            <ul class="rec-list" aria-label="Recordings">
              {shown.map((r) => (
                <Row key={r.id} r={r} onPlay={() => play(r)} onDelete={() => (doomed.value = r)} />
              ))}
            </ul>
          )}
        </>
      )}
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
      {d && (
        <ConfirmSheet title="Delete recording?" confirm="Delete" onConfirm={() => void remove(d)} onClose={() => (doomed.value = null)}>
          <p>
            <strong>{recordingTitle(d)}</strong> ({formatSize(d.bytes)}, {formatDuration(d.duration)}) will be deleted from the
            server.
          </p>
        </ConfirmSheet>
      )}
    </Sheet>
  );
}
