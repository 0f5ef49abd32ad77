/**
 * The workspace's pane area: one Pane per opened view, so a hidden tab keeps its terminal; the
 * visible ones sit in their split-view slots.
 */
import type { TerminalView } from '../terminal/view';
import { activeTheme } from '../themes';
import type { Split } from './commands';
import { Pane } from './Pane';
import type { TabInfo } from './TabBar';

export interface PanesProps {
  views: TerminalView[];
  /** On-screen session ids, primary first. */
  visible: string[];
  tabs: TabInfo[];
  split: Split;
  focused: string;
  /** The pane that should take the keyboard once it is on screen, or null. */
  wantFocus: string | null;
  onFocusTaken(): void;
  onFocus(id: string): void;
  onNewSession(): void;
}

export function Panes(p: PanesProps) {
  const background = activeTheme.value.term.background ?? 'var(--bg)';
  const splitCls = p.split === 'off' ? '' : ` split-${p.split}`;
  return (
    <main class={`ws-panes${splitCls}`}>
      {p.views.map((v) => {
        const slot = p.visible.indexOf(v.sessionId);
        return (
          <Pane
            key={v.sessionId}
            view={v}
            name={p.tabs.find((t) => t.id === v.sessionId)?.name ?? 'Session'}
            visible={slot >= 0}
            slot={slot < 0 ? 9 : slot}
            focused={p.split !== 'off' && v.sessionId === p.focused}
            background={background}
            wantFocus={p.wantFocus === v.sessionId}
            onFocusTaken={p.onFocusTaken}
            onFocus={() => p.onFocus(v.sessionId)}
            onNewSession={p.onNewSession}
          />
        );
      })}
    </main>
  );
}
