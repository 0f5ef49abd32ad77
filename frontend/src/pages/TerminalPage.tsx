/** /terminal?id=…: the terminal workspace (tabs, panes, tools). Kept as the lazy route's entry. */
import { Workspace } from '../workspace/Workspace';

export function TerminalPage({ sessionId }: { sessionId: string }) {
  return <Workspace sessionId={sessionId} />;
}
