/** One past agent session in the resume panel: resume it, or copy the command that does. */
import { repoBranch, sessionName, shortCwd, turnsLabel, updatedLabel, type AgentSession } from './history';
import type { Copied } from './useResumeHistory';

export interface ResumeRowProps {
  s: AgentSession;
  /** The id of the row's description, for aria-describedby. */
  metaId: string;
  busy: string | null;
  copied: Copied | null;
  onResume: () => void;
  onCopy: () => void;
  onKeyDown: (e: KeyboardEvent) => void;
}

export function ResumeRow({ s, metaId, busy, copied, onResume, onCopy, onKeyDown }: ResumeRowProps) {
  const name = sessionName(s);
  const meta = [s.agentName, updatedLabel(s.updatedAt, Date.now()), turnsLabel(s.turnCount)].filter(Boolean).join(' · ');
  const where = [repoBranch(s), shortCwd(s.cwd)].filter(Boolean).join(' · ');
  const copyState = copied?.id === s.id ? copied : null;
  return (
    <li class="ag-row">
      <button
        type="button"
        class="ag-main"
        aria-label={`Resume ${name}`}
        aria-describedby={metaId}
        aria-busy={busy === s.id}
        disabled={busy !== null}
        onClick={onResume}
        onKeyDown={onKeyDown}
      >
        <span class="ag-summary">{s.summary.trim() ? name : <em class="muted">{name}</em>}</span>
        <span class="ag-meta muted" id={metaId}>
          {busy === s.id ? 'Starting…' : meta}
          {where && (
            <>
              <br />
              <span title={s.cwd ?? undefined}>{where}</span>
            </>
          )}
        </span>
      </button>
      <button type="button" class="btn ag-copy" aria-label={`Copy resume command for ${name}`} onClick={onCopy}>
        {copyState?.ok ? 'Copied' : 'Copy'}
      </button>
      {copyState && !copyState.ok && (
        <label class="ag-manual">
          <span class="muted">The browser blocked the clipboard — copy it from here:</span>
          <input type="text" readOnly value={copyState.command} onFocus={(e) => e.currentTarget.select()} />
        </label>
      )}
    </li>
  );
}
