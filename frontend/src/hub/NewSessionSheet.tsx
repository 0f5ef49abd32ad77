/**
 * The new-session sheet, opened from the hub and the terminal's tools. Two tabs: a shell
 * session (name derived from the folder unless typed, shell, folder with autocomplete and a
 * browser, initial command, colour) and detected AI agents (one tap starts a session running
 * the agent). Server errors show inline and the form keeps what was typed.
 */
import { useId } from 'preact/hooks';
import { Sheet } from '../ui/Sheet';
import { AgentList } from './AgentList';
import { ProgramForm } from './ProgramForm';
import { ShellForm } from './ShellForm';
import { useNewSession, type Tab } from './useNewSession';
import './newsession.css';

export { SWATCHES } from './ShellForm';

const TABS: Tab[] = ['shell', 'agents', 'program'];
const TAB_NAMES: Record<Tab, string> = { shell: 'Shell', agents: 'Agents', program: 'Program' };

export interface NewSessionSheetProps {
  onClose: () => void;
  /** Called with the new session's id once it exists. */
  onCreated: (id: string) => void;
  /** The current terminal's size, sent so the new PTY starts at the right size. */
  cols?: number;
  rows?: number;
}

export default function NewSessionSheet({ onClose, onCreated, cols, rows }: NewSessionSheetProps) {
  const s = useNewSession({ onCreated, cols, rows });
  const { tab } = s;
  const ids = useId();

  const onTabKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    const at = TABS.indexOf(tab.value) + (e.key === 'ArrowRight' ? 1 : TABS.length - 1);
    tab.value = TABS[at % TABS.length];
    document.getElementById(`${ids}-tab-${tab.value}`)?.focus();
  };

  return (
    <Sheet title="New session" onClose={onClose} class="ns-sheet">
      <div class="ns-tabs" role="tablist" aria-label="Session type" onKeyDown={onTabKey}>
        {TABS.map((t) => (
          <button
            key={t}
            id={`${ids}-tab-${t}`}
            type="button"
            role="tab"
            class="ns-tab"
            aria-selected={tab.value === t}
            aria-controls={`${ids}-panel`}
            tabIndex={tab.value === t ? 0 : -1}
            onClick={() => (tab.value = t)}
          >
            {TAB_NAMES[t]}
          </button>
        ))}
      </div>
      <div id={`${ids}-panel`} role="tabpanel" aria-labelledby={`${ids}-tab-${tab.value}`}>
        {tab.value === 'shell' ? (
          <ShellForm ids={ids} s={s} onClose={onClose} />
        ) : tab.value === 'program' ? (
          <ProgramForm ids={ids} s={s} onClose={onClose} onCreated={onCreated} />
        ) : (
          <AgentList ids={ids} s={s} />
        )}
      </div>
    </Sheet>
  );
}
