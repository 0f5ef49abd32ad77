/**
 * A program session on the hub (#19): its state ("Running", "Restarting in 4 s", "Gave up
 * after 5 restarts"…), command, restart count and last exit code, with the controls that
 * apply now (Start, or Stop and Restart) under it. Tapping the card opens its output, like a
 * session's; the state comes with the hub's own poll of the session list.
 */
import { useSignal } from '@preact/signals';
import { useId } from 'preact/hooks';
import { errorText } from '../errorText';
import { programActions, programStatus } from './figures';
import { shortenPath } from './format';
import { metricsApi, type ProgramAction, type ProgramSession } from './metricsApi';
import { terminalUrl } from './SessionCard';
import './figures.css';

const LABELS: Record<ProgramAction, string> = { start: 'Start', stop: 'Stop', restart: 'Restart' };

export interface ProgramCardProps {
  s: ProgramSession;
  home: string | null;
  now: number;
  /** Being deleted: it dissolves like a session card (hub.css). */
  removing: boolean;
  onOpen(s: ProgramSession): void;
  onDelete(s: ProgramSession): void;
  /** The program's state changed: poll the list now. */
  onChanged(): void;
}

export function ProgramCard({ s, home, now, removing, onOpen, onDelete, onChanged }: ProgramCardProps) {
  const busy = useSignal<ProgramAction | null>(null);
  const error = useSignal<string | null>(null);
  const id = useId();
  const p = s.program;

  const act = async (action: ProgramAction) => {
    if (busy.value) return;
    busy.value = action;
    error.value = null;
    try {
      await metricsApi.program(s.id, action);
      onChanged();
    } catch (err) {
      error.value = errorText(err);
    } finally {
      busy.value = null;
    }
  };

  return (
    <li class={`card program-card${removing ? ' removing' : ''}`} style={{ '--session-color': s.color || 'var(--accent)' }}>
      <div class="card-face">
        <a class="card-main" href={terminalUrl(s.id)} aria-label={`Open program ${s.name}`} aria-describedby={`${id}-state ${id}-cmd ${id}-runs`} onClick={() => onOpen(s)}>
          <span class="card-line">
            <span class="dot" aria-hidden="true" />
            <span class="card-name">{s.name}</span>
            <span class="program-kind">program</span>
            <span class={`program-state ${p.state} card-age`} id={`${id}-state`}>
              {programStatus(p, now)}
            </span>
          </span>
          <span class="program-command" id={`${id}-cmd`} title={p.command}>
            {p.command}
          </span>
          <span class="card-meta" id={`${id}-runs`}>
            <span>
              {p.restarts} restart{p.restarts === 1 ? '' : 's'}
            </span>
            <span>last exit {p.lastExitCode ?? '–'}</span>
            <span>restart {p.restart}</span>
          </span>
          <span class="card-cwd" title={s.cwd}>
            <bdi>{shortenPath(s.cwd, home)}</bdi>
          </span>
        </a>
        <button type="button" class="btn icon card-delete" aria-label={`Delete program ${s.name}`} title="Delete program" onClick={() => onDelete(s)}>
          ✕
        </button>
      </div>
      <div class="program-controls" role="group" aria-label={`Control ${s.name}`}>
        {programActions(p).map((action) => (
          <button key={action} type="button" class={`btn${action === 'start' ? ' primary' : ''}`} aria-label={`${LABELS[action]} ${s.name}`} disabled={busy.value !== null} onClick={() => void act(action)}>
            {busy.value === action ? `${LABELS[action]}…` : LABELS[action]}
          </button>
        ))}
      </div>
      {error.value && (
        <p class="error program-error" role="alert">
          {error.value}
        </p>
      )}
    </li>
  );
}
