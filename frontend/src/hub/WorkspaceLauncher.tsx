/**
 * Saved workspaces on the hub: launch one (every session is created, then the first opens),
 * save the running sessions as a new workspace, rename or delete. Stored in prefs.workspaces.
 */
import { useSignal } from '@preact/signals';
import type { SessionInfo } from '../api';
import { prefs, updatePrefs, type Workspace } from '../state/prefs';
import { launchWorkspace, MAX_WORKSPACES, removeWorkspace, renameWorkspace, suggestName, upsertWorkspace, workspaceFromSessions } from './workspaces';
import type { AgentInfo } from '../api';
import { windowSize } from './size';
import { TrashIcon } from './icons';
import { ConfirmSheet } from '../ui/ConfirmSheet';

export interface WorkspaceLauncherProps {
  sessions: SessionInfo[];
  agentFor: (s: SessionInfo) => AgentInfo | null;
  onLaunched: (firstId: string) => void;
}

function WorkspaceRow({ ws, onLaunched }: { ws: Workspace; onLaunched: (id: string) => void }) {
  const editing = useSignal(false);
  const draft = useSignal(ws.name);
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);

  const launch = async () => {
    if (busy.value) return;
    busy.value = true;
    error.value = null;
    try {
      const res = await launchWorkspace(ws, windowSize());
      if (res.errors.length) error.value = `Some sessions did not start: ${res.errors.join('; ')}`;
      if (res.ids.length && !res.errors.length) onLaunched(res.ids[0]);
      else if (!res.ids.length) error.value ??= 'Nothing to launch';
    } finally {
      busy.value = false;
    }
  };

  const save = (e: Event) => {
    e.preventDefault();
    updatePrefs({ workspaces: renameWorkspace(prefs.value.workspaces, ws.id, draft.value) });
    editing.value = false;
  };

  const confirming = useSignal(false);
  const remove = () => (confirming.value = true);
  const removeNow = () => updatePrefs({ workspaces: removeWorkspace(prefs.value.workspaces, ws.id) });

  const names = ws.sessions.map((s) => s.name).join(', ');
  return (
    <li class="ws-row">
      {editing.value ? (
        <form class="ws-edit" onSubmit={save} aria-label={`Rename workspace ${ws.name}`}>
          <input aria-label="Workspace name" value={draft.value} maxLength={128} autoFocus onInput={(e) => (draft.value = (e.target as HTMLInputElement).value)} onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), (editing.value = false))} />
          <button type="submit" class="btn primary">
            Save
          </button>
          <button type="button" class="btn" onClick={() => (editing.value = false)}>
            Cancel
          </button>
        </form>
      ) : (
        <div class="ws-main">
          <div class="ws-text">
            <span class="ws-name">{ws.name}</span>
            <span class="ws-sessions muted" title={names}>
              {ws.sessions.length} session{ws.sessions.length === 1 ? '' : 's'}
              {names ? ` · ${names}` : ''}
            </span>
          </div>
          <div class="ws-actions">
            <button type="button" class="btn primary" aria-label={`Launch workspace ${ws.name}`} disabled={busy.value || ws.sessions.length === 0} onClick={() => void launch()}>
              {busy.value ? 'Launching…' : 'Launch'}
            </button>
            <button
              type="button"
              class="btn icon"
              aria-label={`Rename workspace ${ws.name}`}
              title="Rename"
              onClick={() => {
                draft.value = ws.name;
                editing.value = true;
              }}
            >
              ✎
            </button>
            <button type="button" class="btn icon danger" aria-label={`Delete workspace ${ws.name}`} title="Delete workspace" onClick={remove}>
              <TrashIcon />
            </button>
          </div>
        </div>
      )}
      {error.value && (
        <p class="error ws-error" role="alert">
          {error.value}
        </p>
      )}
      {confirming.value && (
        <ConfirmSheet title="Delete workspace?" confirm="Delete" onConfirm={removeNow} onClose={() => (confirming.value = false)}>
          <p>
            <strong>{ws.name}</strong> is forgotten. Running sessions are not affected.
          </p>
        </ConfirmSheet>
      )}
    </li>
  );
}

export function WorkspaceLauncher({ sessions, agentFor, onLaunched }: WorkspaceLauncherProps) {
  const list = prefs.value.workspaces;
  const naming = useSignal<string | null>(null);
  const note = useSignal<string | null>(null);

  if (list.length === 0 && sessions.length === 0) return null;

  const saveCurrent = (e: Event) => {
    e.preventDefault();
    const name = (naming.value ?? '').trim();
    if (!name) return;
    const ws = workspaceFromSessions(name, sessions, agentFor);
    updatePrefs({ workspaces: upsertWorkspace(prefs.value.workspaces, ws) });
    naming.value = null;
    note.value = `Saved ${ws.sessions.length} session${ws.sessions.length === 1 ? '' : 's'} as “${ws.name}”.`;
  };

  const full = list.length >= MAX_WORKSPACES;
  return (
    <section class="workspaces" aria-labelledby="ws-title">
      <div class="ws-head">
        <h2 id="ws-title">Workspaces</h2>
        {sessions.length > 0 && naming.value === null && (
          <button
            type="button"
            class="btn"
            disabled={full}
            title={full ? `At most ${MAX_WORKSPACES} workspaces` : undefined}
            onClick={() => {
              note.value = null;
              naming.value = suggestName(list);
            }}
          >
            Save current sessions as workspace
          </button>
        )}
      </div>
      {naming.value !== null && (
        <form class="ws-edit" onSubmit={saveCurrent} aria-label="Save workspace">
          <input
            aria-label="Workspace name"
            value={naming.value}
            maxLength={128}
            autoFocus
            onInput={(e) => (naming.value = (e.target as HTMLInputElement).value)}
            onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), (naming.value = null))}
          />
          <button type="submit" class="btn primary">
            Save
          </button>
          <button type="button" class="btn" onClick={() => (naming.value = null)}>
            Cancel
          </button>
        </form>
      )}
      {note.value && (
        <p class="muted ws-note" role="status">
          {note.value}
        </p>
      )}
      {list.length === 0 ? (
        <p class="muted ws-note">Save the sessions you have open to bring them all back later in one tap.</p>
      ) : (
        <ul class="ws-list" aria-label="Saved workspaces">
          {list.map((ws) => (
            <WorkspaceRow key={ws.id} ws={ws} onLaunched={onLaunched} />
          ))}
        </ul>
      )}
    </section>
  );
}
