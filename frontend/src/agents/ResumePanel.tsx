/**
 * "Resume agent session": a searchable list of past Claude Code / Copilot / OpenCode sessions
 * read from the server's disk. Choosing one starts a NEW terminal session in that session's
 * folder whose initial command resumes it, then opens that terminal. ↑/↓ move between the
 * search box and the rows, Enter resumes; each row also offers "Copy command".
 */
import { useSignal } from '@preact/signals';
import { useEffect, useId, useRef } from 'preact/hooks';
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';
import { copyText, errorMessage, fetchHistory, fetchResumeCommand, openTerminal, startSession } from './actions';
import {
  agentChips,
  nextIndex,
  repoBranch,
  resumeBody,
  sessionName,
  shortCwd,
  turnsLabel,
  updatedLabel,
  visibleChips,
  type AgentChip,
  type AgentSession,
} from './history';
import { StartNotices, type Moved } from './StartNotices';
import './agents.css';

const SEARCH_DEBOUNCE_MS = 250;

export interface ResumePanelProps extends PanelProps {
  /** Shown as a "Back" button when opened from the agents panel. */
  onBack?: () => void;
}

interface Copied {
  id: string;
  command: string;
  ok: boolean;
}

export default function ResumePanel({ onClose, onBack }: ResumePanelProps) {
  const search = useSignal('');
  const query = useSignal('');
  const agent = useSignal('');
  const sessions = useSignal<AgentSession[] | null>(null);
  const chips = useSignal<AgentChip[]>([]);
  const error = useSignal<string | null>(null);
  const busy = useSignal<string | null>(null);
  const moved = useSignal<Moved | null>(null);
  const copied = useSignal<Copied | null>(null);
  const list = useRef<HTMLUListElement>(null);
  const box = useRef<HTMLInputElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const seq = useRef(0);
  const ids = useId();

  useEffect(() => {
    const mine = ++seq.current;
    error.value = null;
    const filter = agent.value;
    fetchHistory({ search: query.value, agent: filter })
      .then((rows) => {
        if (mine !== seq.current) return; // a newer search answered first
        sessions.value = rows;
        if (!filter) chips.value = agentChips(rows);
      })
      .catch((err) => {
        if (mine !== seq.current) return;
        sessions.value = [];
        error.value = `Could not read past agent sessions: ${errorMessage(err)}`;
      });
  }, [query.value, agent.value]);

  useEffect(() => () => clearTimeout(timer.current), []);

  const setSearch = (text: string, now = false) => {
    search.value = text;
    clearTimeout(timer.current);
    if (now) query.value = text.trim();
    else timer.current = setTimeout(() => (query.value = text.trim()), SEARCH_DEBOUNCE_MS);
  };

  const rows = () => Array.from(list.current?.querySelectorAll<HTMLButtonElement>('.ag-main') ?? []);
  const onListKey = (e: KeyboardEvent, index: number) => {
    const items = rows();
    const next = nextIndex(index, e.key, items.length);
    if (next === null) return;
    e.preventDefault();
    if (next < 0) box.current?.focus();
    else items[next]?.focus();
  };

  const resume = async (s: AgentSession) => {
    if (busy.value) return;
    busy.value = s.id;
    error.value = null;
    try {
      const command = await fetchResumeCommand(s);
      const started = await startSession(resumeBody(s, command), s.agent);
      if (started.droppedCwd) moved.value = { id: started.id, folder: started.droppedCwd };
      else openTerminal(started.id);
    } catch (err) {
      error.value = `Could not resume: ${errorMessage(err)}`;
    } finally {
      busy.value = null;
    }
  };

  const copy = async (s: AgentSession) => {
    error.value = null;
    try {
      const command = await fetchResumeCommand(s);
      copied.value = { id: s.id, command, ok: await copyText(command) };
    } catch (err) {
      error.value = `Could not get the resume command: ${errorMessage(err)}`;
    }
  };

  const shown = sessions.value;
  const chipList = visibleChips(chips.value, agent.value, shown?.[0]?.agentName);
  const filtered = !!query.value || !!agent.value;
  const actions = onBack && (
    <button type="button" class="btn" onClick={onBack} aria-label="Back to agents">
      ‹ Agents
    </button>
  );

  return (
    <Sheet title="Resume agent session" onClose={onClose} actions={actions} class="ag-sheet">
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
        onInput={(e) => setSearch(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            setSearch(search.value, true);
          } else if (e.key === 'ArrowDown') {
            e.preventDefault();
            rows()[0]?.focus();
          }
        }}
      />
      {chipList.length > 1 || agent.value ? (
        <div class="ag-chips" role="group" aria-label="Filter by agent">
          <button type="button" class="ag-chip" aria-pressed={!agent.value} onClick={() => (agent.value = '')}>
            All
          </button>
          {chipList.map((c) => (
            <button
              key={c.id}
              type="button"
              class="ag-chip"
              aria-pressed={agent.value === c.id}
              onClick={() => (agent.value = agent.value === c.id ? '' : c.id)}
            >
              {c.name}
            </button>
          ))}
        </div>
      ) : null}
      <StartNotices error={error.value} moved={moved.value} />
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
          {shown.map((s, i) => {
            const name = sessionName(s);
            const meta = [s.agentName, updatedLabel(s.updatedAt, Date.now()), turnsLabel(s.turnCount)].filter(Boolean).join(' · ');
            const where = [repoBranch(s), shortCwd(s.cwd)].filter(Boolean).join(' · ');
            const metaId = `${ids}-${i}`;
            const copyState = copied.value?.id === s.id ? copied.value : null;
            return (
              <li key={`${s.agent}:${s.id}`} class="ag-row">
                <button
                  type="button"
                  class="ag-main"
                  aria-label={`Resume ${name}`}
                  aria-describedby={metaId}
                  aria-busy={busy.value === s.id}
                  disabled={busy.value !== null}
                  onClick={() => void resume(s)}
                  onKeyDown={(e) => onListKey(e, i)}
                >
                  <span class="ag-summary">{s.summary.trim() ? name : <em class="muted">{name}</em>}</span>
                  <span class="ag-meta muted" id={metaId}>
                    {busy.value === s.id ? 'Starting…' : meta}
                    {where && (
                      <>
                        <br />
                        <span title={s.cwd ?? undefined}>{where}</span>
                      </>
                    )}
                  </span>
                </button>
                <button type="button" class="btn ag-copy" aria-label={`Copy resume command for ${name}`} onClick={() => void copy(s)}>
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
          })}
        </ul>
      )}
    </Sheet>
  );
}
