/**
 * Plays one recording with the asciinema player (#19): our own touch-sized controls instead of
 * the player's (play/pause, a seek bar, speed, previous/next mark) and the recording's command
 * marks as a list to jump to. This module, and the player with it, load only to play.
 */
import { useSignal } from '@preact/signals';
import { create, type Player as CastPlayer } from 'asciinema-player';
import 'asciinema-player/dist/bundle/asciinema-player.css';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { errorText } from '../errorText';
import { prefs } from '../state/prefs';
import { activeTheme } from '../themes';
import {
  IDLE_LIMIT_S,
  SPEEDS,
  castMarks,
  completeLines,
  formatDuration,
  nextMark,
  playerColours,
  markBefore,
  previousMark,
  type CastMark,
} from './format';
import { recordingsApi, type RecordingInfo } from './recordingsApi';

/** How often the position shown is brought up to date while the player is open. */
const TICK_MS = 200;

/**
 * The terminal's font (terminal/fonts.ts), by name: importing that module here would split it
 * out of the terminal's chunk into one more request on every first load. JetBrains Mono is
 * there once a terminal has loaded it; until then the system's monospace stands in.
 */
const MONO = 'ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace';
const FONTS = { bundled: `"JetBrains Mono", ${MONO}`, system: MONO };

function useCast(id: string) {
  const text = useSignal<string | null>(null);
  const error = useSignal<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    text.value = null;
    error.value = null;
    recordingsApi.text(id, abort.signal).then(
      (t) => (text.value = completeLines(t)),
      (err) => !abort.signal.aborted && (error.value = errorText(err)),
    );
    return () => abort.abort();
  }, [id]);
  return { text, error };
}

/** The mark the position is at: the one last jumped to while the position is still there (a
 * quick command's start and end share a time), else the last one at or before it. */
function currentMark(marks: CastMark[], time: number, jumped: CastMark | null): CastMark | null {
  if (jumped && Math.abs(jumped.time - time) < 0.05) return jumped;
  return previousMark(marks, time + 1.001);
}

function MarkList({ marks, here, onJump }: { marks: CastMark[]; here: CastMark | null; onJump(m: CastMark): void }) {
  if (marks.length === 0) return <p class="muted rp-nomarks">No command marks in this recording (they come from shell integration).</p>;
  return (
    <ol class="rp-marks" aria-label="Command marks">
      {marks.map((m) => (
        <li key={m.index}>
          <button
            type="button"
            class={`rp-mark ${m.kind}${m.failed ? ' failed' : ''}`}
            aria-current={here?.index === m.index ? 'step' : undefined}
            onClick={() => onJump(m)}
          >
            <span class="rp-mark-time">{formatDuration(m.time)}</span>
            <span class="rp-mark-label">{m.label || 'mark'}</span>
          </button>
        </li>
      ))}
    </ol>
  );
}

export default function Player({ rec }: { rec: RecordingInfo }) {
  const box = useRef<HTMLDivElement>(null);
  const player = useRef<CastPlayer | null>(null);
  const { text, error } = useCast(rec.id);
  const speed = useSignal(1);
  const time = useSignal(0);
  const duration = useSignal(0);
  const playing = useSignal(false);
  const jumped = useSignal<CastMark | null>(null);
  const theme = activeTheme.value;
  const font = prefs.value.terminalFont;
  const marks = useMemo(() => (text.value ? castMarks(text.value, IDLE_LIMIT_S) : []), [text.value]);

  // The player takes its speed, colours and font when it is made: a change makes a new one,
  // which carries on from the same position (playing if it was).
  useEffect(() => {
    const el = box.current;
    const data = text.value;
    if (!el || !data) return;
    const at = time.peek();
    const resume = playing.peek();
    const p = create({ data }, el, {
      speed: speed.value,
      idleTimeLimit: IDLE_LIMIT_S,
      fit: 'both',
      controls: false,
      preload: true,
      theme: 'termbeam', // no such built-in theme: the colours come from playerColours' variables
      terminalFontFamily: FONTS[font] ?? MONO,
    });
    player.current = p;
    const setPlaying = (on: boolean) => () => (playing.value = on);
    p.addEventListener('play', setPlaying(true));
    p.addEventListener('playing', setPlaying(true));
    p.addEventListener('pause', setPlaying(false));
    p.addEventListener('ended', setPlaying(false));
    if (at > 0) void p.seek(at);
    if (resume) void p.play();
    const tick = setInterval(() => {
      time.value = p.getCurrentTime() ?? 0;
      duration.value = p.getDuration() ?? duration.peek();
    }, TICK_MS);
    return () => {
      clearInterval(tick);
      player.current = null;
      p.dispose();
    };
  }, [text.value, speed.value, theme, font]);

  const seek = (to: number | { marker: number }) => {
    const p = player.current;
    if (!p) return;
    void p.seek(to).then(() => (time.value = p.getCurrentTime() ?? time.peek()));
  };
  const jump = (m: CastMark | null) => {
    if (!m) return;
    jumped.value = m;
    seek({ marker: m.index });
  };

  if (error.value) {
    return (
      <p class="error" role="alert">
        {error.value}
      </p>
    );
  }
  const t = time.value;
  const total = duration.value;
  const here = currentMark(marks, t, jumped.value);
  return (
    <div class="rp">
      {text.value === null && <p class="muted">Loading the recording…</p>}
      <div class="rp-screen" ref={box} style={playerColours(theme.term)} />
      <div class="rp-bar">
        <button
          type="button"
          class="btn icon rp-play"
          aria-label={playing.value ? 'Pause' : 'Play'}
          disabled={!text.value}
          onClick={() => void (playing.value ? player.current?.pause() : player.current?.play())}
        >
          {playing.value ? '❚❚' : '▶\uFE0E'}
        </button>
        <input
          type="range"
          class="rp-seek"
          aria-label="Position"
          aria-valuetext={`${formatDuration(t)} of ${formatDuration(total)}`}
          min={0}
          max={total || 0}
          step="any"
          value={t}
          disabled={!total}
          onInput={(e) => {
            const to = Number(e.currentTarget.value);
            time.value = to;
            seek(to);
          }}
        />
        <span class="rp-time">
          {formatDuration(t)} / {formatDuration(total)}
        </span>
      </div>
      <div class="rp-bar">
        <button type="button" class="btn" aria-label="Previous mark" disabled={!markBefore(marks, t, here)} onClick={() => jump(markBefore(marks, t, here))}>
          ‹ Mark
        </button>
        <button type="button" class="btn" aria-label="Next mark" disabled={!nextMark(marks, t)} onClick={() => jump(nextMark(marks, t))}>
          Mark ›
        </button>
        <label class="rp-speed">
          <span>Speed</span>
          <select value={String(speed.value)} onChange={(e) => (speed.value = Number(e.currentTarget.value))}>
            {SPEEDS.map((s) => (
              <option key={s} value={String(s)}>
                {s}×
              </option>
            ))}
          </select>
        </label>
      </div>
      <p class="muted rp-note">Pauses longer than {IDLE_LIMIT_S} s are shortened.</p>
      <MarkList marks={marks} here={here} onJump={jump} />
    </div>
  );
}
