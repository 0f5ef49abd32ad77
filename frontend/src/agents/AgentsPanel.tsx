/**
 * "Launch agent": the AI coding agents found on the server's PATH, each started with one tap
 * in a new terminal session in the current session's folder, plus a way into the history of
 * past agent sessions (the resume browser, shown in place of this panel).
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { api, type AgentInfo } from '../api';
import { errorText } from '../errorText';
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';
import { openTerminal, startSession } from './actions';
import { launchBody, shortCwd } from './history';
import ResumePanel from './ResumePanel';
import { StartNotices, type Moved } from './StartNotices';
import './agents.css';

export default function AgentsPanel(props: PanelProps) {
  const view = useSignal<'agents' | 'resume'>('agents');
  const agents = useSignal<AgentInfo[] | null>(null);
  const cwd = useSignal<string | null>(null);
  const error = useSignal<string | null>(null);
  const busy = useSignal<string | null>(null);
  const moved = useSignal<Moved | null>(null);

  const listRef = useRef<HTMLUListElement>(null);

  // The list arrives after the sheet took focus: move it to the first Launch button unless
  // the user has already gone somewhere else.
  useEffect(() => {
    const active = document.activeElement;
    if (active instanceof HTMLElement && active.classList.contains('sheet')) {
      listRef.current?.querySelector<HTMLButtonElement>('.ag-launch')?.focus();
    }
  }, [agents.value]);

  useEffect(() => {
    api
      .agents()
      .then((a) => (agents.value = a))
      .catch((err) => {
        agents.value = [];
        error.value = `Could not look for agents: ${errorText(err)}`;
      });
    // The current session's live folder; launching without it uses the server's default.
    api
      .sessions()
      .then((list) => (cwd.value = list.find((s) => s.id === props.sessionId)?.cwd || null))
      .catch(() => (cwd.value = null));
  }, []);

  if (view.value === 'resume') return <ResumePanel {...props} onBack={() => (view.value = 'agents')} />;

  const launch = async (a: AgentInfo) => {
    if (busy.value) return;
    busy.value = a.id;
    error.value = null;
    try {
      const started = await startSession(launchBody(a, cwd.value), a.id);
      if (started.droppedCwd) moved.value = { id: started.id, folder: started.droppedCwd };
      else openTerminal(started.id);
    } catch (err) {
      error.value = `Could not launch ${a.name}: ${errorText(err)}`;
    } finally {
      busy.value = null;
    }
  };

  const list = agents.value;
  return (
    <Sheet title="Launch agent" onClose={props.onClose} class="ag-sheet">
      <StartNotices error={error.value} moved={moved.value} />
      {cwd.value && (
        <p class="muted ag-where">
          Starts in <span title={cwd.value}>{shortCwd(cwd.value)}</span>
        </p>
      )}
      {list === null ? (
        <p class="muted" role="status">
          Looking for AI agents on the server…
        </p>
      ) : list.length === 0 ? (
        <p class="ag-empty">No AI coding agents were found on the server’s PATH (Claude Code, Copilot, Codex, Aider, OpenCode, Gemini CLI).</p>
      ) : (
        <ul class="ag-list" ref={listRef} aria-label="Detected agents">
          {list.map((a) => (
            <li key={a.id} class="ag-row">
              <div class="ag-main ag-static">
                <span class="ag-summary">{a.name}</span>
                <span class="ag-meta muted">
                  <code>{[a.cmd, ...a.args].join(' ')}</code>
                  {a.version && ` · ${a.version}`}
                </span>
              </div>
              <button
                type="button"
                class="btn primary ag-launch"
                aria-label={`Launch ${a.name}`}
                disabled={busy.value !== null}
                onClick={() => void launch(a)}
              >
                {busy.value === a.id ? 'Starting…' : 'Launch'}
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" class="btn ag-resume" onClick={() => (view.value = 'resume')}>
        Resume a past session…
      </button>
    </Sheet>
  );
}
