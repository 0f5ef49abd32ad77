/**
 * The workspace's top bar: back to the hub, the session drawer button, the tab strip, the
 * port preview button, notification settings (desktop) and the tools palette button.
 */
import { PreviewButton } from '../pages/PreviewButton';
import { NotifySettings } from '../pages/NotifySettings';
import { prefs } from '../state/prefs';
import { shortcutLabel } from './shortcuts';
import { TabBar, type TabBarProps } from './TabBar';

export interface WorkspaceBarProps {
  tabBar: TabBarProps;
  drawerOpen: boolean;
  onDrawer(): void;
  onTools(): void;
  /** The focused session: the preview button works on its ports. */
  sessionId: string;
  /** Bumped by the palette's "Preview port" to open the preview button's menu. */
  previewRequest: number;
  /** The focused session printed a local URL: a phone shows the Preview button only then. */
  portSeen: boolean;
}

export function WorkspaceBar(p: WorkspaceBarProps) {
  return (
    // On a phone the bar keeps its width for the tabs: ▤ stands for ‹ too (the drawer links to
    // the hub), and Preview waits for a port (the palette's "Preview port" works regardless).
    <header class={`topbar term-bar ws-bar${p.portSeen ? '' : ' ws-no-port'}`}>
      <a class="btn icon ws-back" href="/" aria-label="Back to sessions" title="Sessions">
        ‹
      </a>
      <button
        type="button"
        class="btn icon ws-drawer-btn"
        aria-label="Sessions"
        title="All sessions"
        aria-haspopup="dialog"
        aria-expanded={p.drawerOpen}
        onClick={p.onDrawer}
      >
        ▤
      </button>
      <TabBar {...p.tabBar} />
      <PreviewButton sessionId={p.sessionId} openRequest={p.previewRequest} />
      <span class="ws-desktop-only">
        <NotifySettings />
      </span>
      <button
        type="button"
        class="btn icon ws-tools-btn"
        aria-label="Tools"
        title={`Tools (${shortcutLabel('K', { mac: /Mac|iPhone|iPad/.test(navigator.platform), ctrlShortcuts: prefs.value.ctrlShortcuts })})`}
        aria-haspopup="dialog"
        onClick={p.onTools}
      >
        ☰
      </button>
    </header>
  );
}
