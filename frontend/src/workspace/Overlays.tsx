/**
 * The one overlay the workspace shows at a time: the tools palette, the rename sheet, the
 * new-session sheet, the session drawer or a lazily loaded tools panel.
 */
import type { Signal } from '@preact/signals';
import type { SessionInfo } from '../api';
import type { PanelProps } from '../ui/panels';
import type { Command, PanelName } from './commands';
import { drawerSessions } from './drawer';
import { LazyNewSession, LazyPanel } from './lazy';
import { Palette } from './Palette';
import { RenameSheet } from './RenameSheet';
import { SessionDrawer } from './SessionDrawer';
import type { TabInfo } from './TabBar';

export type Overlay = null | 'palette' | 'rename' | 'new' | 'drawer' | { panel: PanelName };

export interface OverlaysProps {
  overlay: Signal<Overlay>;
  /** Built on render, so the palette's hints (font size) stay current. */
  commands(): Command[];
  /** The focused session (rename, panels) and its terminal size (new sessions start at it). */
  focused: { id: string; name: string; cols?: number; rows?: number };
  tabs: TabInfo[];
  sessions: SessionInfo[];
  active: string;
  onRenamed(name: string): void;
  onCreated(id: string): void;
  onSelect(id: string): void;
  onCloseSession(id: string): void;
  panel: PanelProps;
}

export function Overlays(p: OverlaysProps) {
  const ov = p.overlay.value;
  const close = () => (p.overlay.value = null);
  const open = (next: Overlay) => () => (p.overlay.value = next);
  if (ov === 'palette') return <Palette commands={p.commands()} onClose={close} />;
  if (ov === 'rename') {
    return <RenameSheet id={p.focused.id} name={p.focused.name} onClose={close} onRenamed={p.onRenamed} />;
  }
  if (ov === 'new') {
    return <LazyNewSession onClose={close} onCreated={p.onCreated} cols={p.focused.cols} rows={p.focused.rows} />;
  }
  if (ov === 'drawer') {
    return (
      <SessionDrawer
        sessions={drawerSessions(p.tabs, p.sessions)}
        active={p.active}
        onSelect={(id) => {
          close();
          p.onSelect(id);
        }}
        onCloseSession={p.onCloseSession}
        onNew={open('new')}
        onResume={open({ panel: 'resume' })}
        onRecordings={open({ panel: 'recordings' })}
        onDismiss={close}
      />
    );
  }
  return ov ? <LazyPanel name={ov.panel} props={p.panel} /> : null;
}
