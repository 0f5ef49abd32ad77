/**
 * "Resume agent session": a searchable list of past Claude Code / Copilot / OpenCode sessions
 * read from the server's disk. Choosing one starts a NEW terminal session in that session's
 * folder whose initial command resumes it, then opens that terminal. ↑/↓ move between the
 * search box and the rows, Enter resumes; each row also offers "Copy command".
 */
import { useId, useRef } from 'preact/hooks';
import { ClearButton } from '../ui/ClearButton';
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';
import { nextIndex, visibleChips, type AgentChip } from './history';
import { ResumeRow } from './ResumeRow';
import { StartNotices } from './StartNotices';
import { useResumeHistory } from './useResumeHistory';
import './agents.css';

export interface ResumePanelProps extends PanelProps {
  /** Shown as a "Back" button when opened from the agents panel. */
  onBack?: () => void;
}

function AgentFilter({ chips, agent, onPick }: { chips: AgentChip[]; agent: string; onPick: (id: string) => void }) {
  return (
    <div class="ag-chips" role="group" aria-label="Filter by agent">
      <button type="button" class="ag-chip" aria-pressed={!agent} onClick={() => onPick('')}>
        All
      </button>
      {chips.map((c) => (
        <button key={c.id} type="button" class="ag-chip" aria-pressed={agent === c.id} onClick={() => onPick(agent === c.id ? '' : c.id)}>
          {c.name}
        </button>
      ))}
    </div>
  );
}

export default function ResumePanel({ onClose, onBack }: ResumePanelProps) {
  const h = useResumeHistory();
  const { search, agent, error } = h;
  const list = useRef<HTMLUListElement>(null);
  const box = useRef<HTMLInputElement>(null);
  const ids = useId();

  const rows = () => Array.from(list.current?.querySelectorAll<HTMLButtonElement>('.ag-main') ?? []);
  const onListKey = (e: KeyboardEvent, index: number) => {
    const items = rows();
    const next = nextIndex(index, e.key, items.length);
    if (next === null) return;
    e.preventDefault();
    if (next < 0) box.current?.focus();
    else items[next]?.focus();
  };

  const shown = h.sessions.value;
  const chipList = visibleChips(h.chips.value, agent.value, shown?.[0]?.agentName);
  const filtered = !!h.query.value || !!agent.value;
  const actions = onBack && (
    <button type="button" class="btn" onClick={onBack} aria-label="Back to agents">
      ‹ Agents
    </button>
  );

  return (
    <Sheet title="Resume agent session" onClose={onClose} actions={actions} class="ag-sheet">
      <div class="ag-search-row">
        <input
          ref={box}
          type="search"
          class="ag-search"
          aria-label="Search past agent sessions"
          placeholder="Search summary, folder, repo, branch…"
          autoFocus
          autoComplete="off"
          spellcheck={false}
          value={search.value}
          onInput={(e) => h.setSearch(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              h.setSearch(search.value, true);
            } else if (e.key === 'ArrowDown') {
              e.preventDefault();
              rows()[0]?.focus();
            }
          }}
        />
        {search.value && <ClearButton label="Clear search" field={box} onClear={() => h.setSearch('', true)} />}
      </div>
      {chipList.length > 1 || agent.value ? <AgentFilter chips={chipList} agent={agent.value} onPick={(id) => (agent.value = id)} /> : null}
      <StartNotices error={error.value} moved={h.moved.value} />
      <p class="muted ag-status" role="status">
        {shown === null ? 'Loading past agent sessions…' : shown.length > 0 ? `${shown.length} session${shown.length === 1 ? '' : 's'}` : ''}
      </p>
      {shown !== null && shown.length === 0 && !error.value && (
        <p class="ag-empty">
          {filtered
            ? 'No past agent sessions match this search.'
            : 'No past agent sessions found — Claude Code, GitHub Copilot CLI and OpenCode sessions run on this server appear here once they have a turn.'}
        </p>
      )}
      {shown && shown.length > 0 && (
        <ul class="ag-list" ref={list} aria-label="Past agent sessions">
          {shown.map((s, i) => (
            <ResumeRow
              key={`${s.agent}:${s.id}`}
              s={s}
              metaId={`${ids}-${i}`}
              busy={h.busy.value}
              copied={h.copied.value}
              onResume={() => void h.resume(s)}
              onCopy={() => void h.copy(s)}
              onKeyDown={(e) => onListKey(e, i)}
            />
          ))}
        </ul>
      )}
    </Sheet>
  );
}
