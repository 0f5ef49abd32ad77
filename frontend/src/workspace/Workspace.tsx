/**
 * The terminal workspace (/terminal?id=…): every session as a tab, one or two live panes
 * (split view), find, the tools palette with its lazily loaded panels and the session drawer.
 * This module composes the pieces and holds the tab actions (select, close, create); each
 * hook it calls does one job. Each opened tab keeps its own xterm and connection (see
 * terminal/view.ts); tabs never opened cost nothing but a list entry.
 */
import { useSignal } from '@preact/signals';
import { useMemo } from 'preact/hooks';
import { api } from '../api';
import { errorText } from '../errorText';
import { prefs, updatePrefs } from '../state/prefs';
import type { PanelProps } from '../ui/panels';
import { inPageNotify } from '../notify';
import { KeyBar } from '../keybar/KeyBar';
import { Banners } from '../settings/Banners';
import { ConfirmSheet } from '../ui/ConfirmSheet';
import { Toast, useToast } from '../ui/toast';
import { clampFont } from './gestures';
import { Panes } from './Panes';
import { SearchBar } from './SearchBar';
import { buildCommands, type Command } from './commands';
import { nextAfterClose } from './layout';
import { buildTabs } from './tabInfo';
import { Overlays, type Overlay } from './Overlays';
import { WorkspaceBar } from './WorkspaceBar';
import { usePageSync } from './usePageSync';
import { useSessionList } from './useSessionList';
import { useShortcuts } from './useShortcuts';
import { useSplitView } from './useSplitView';
import { useTerminalViews } from './useTerminalViews';
import { usePortSeen } from './usePortSeen';
import './workspace.css';

function coarsePointer(): boolean {
  return window.matchMedia('(pointer: coarse)').matches;
}

function CloseSheet({ id, name, onClose, onConfirm }: { id: string; name: string; onClose(): void; onConfirm(id: string): void }) {
  return (
    <ConfirmSheet title="Close session?" confirm="Close session" onClose={onClose} onConfirm={() => onConfirm(id)}>
      <p>
        <strong>{name}</strong> is ended, with its shell and the programs running in it.
      </p>
    </ConfirmSheet>
  );
}

export function Workspace({ sessionId }: { sessionId: string }) {
  const active = useSignal(sessionId);
  const focused = useSignal(sessionId);
  const opened = useSignal<string[]>([sessionId]);
  const overlay = useSignal<Overlay>(null);
  const searching = useSignal(false);
  /** The session whose close waits for a yes in the confirm sheet. */
  const closing = useSignal<string | null>(null);
  const previewReq = useSignal(0);
  // The pane to give the keyboard to once it is rendered. On a desktop that is the session this
  // page opened, so keys typed right after the load reach the shell; touch screens are left
  // alone (focusing would pop up the soft keyboard).
  const wantFocus = useSignal<string | null>(coarsePointer() ? null : sessionId);
  const toast = useToast();
  const showToast = toast.show;

  const list = useSessionList((id) => id !== active.peek() && !views.all.has(id));
  const { sessions } = list;
  const nameOf = (id: string) => sessions.peek().find((s) => s.id === id)?.name ?? 'Terminal';
  const views = useTerminalViews({
    notification: (msg) => {
      const text = inPageNotify(msg, focused.peek());
      if (text) showToast(text);
    },
    name: nameOf,
    visible: (id) => layout.visibleIds.peek().includes(id),
  });
  const layout = useSplitView({ sessions, opened, active, focused, views: views.all });
  const { split, tabIds, visibleIds } = layout;
  usePageSync({ active, sessions, visibleIds, showToast });

  // ---- actions -----------------------------------------------------------------------------
  const select = (id: string) => {
    active.value = id;
    focused.value = id;
    list.markRead(id);
    if (!coarsePointer()) wantFocus.value = id;
  };

  const forget = (id: string) => {
    views.forget(id);
    opened.value = opened.peek().filter((x) => x !== id);
    list.drop(id);
  };

  /** A live session is ended only after a yes in our sheet; an ended one just goes. */
  const closeTab = (id: string) => {
    if (views.get(id)?.ended.peek()) void closeNow(id, true);
    else closing.value = id;
  };

  const closeNow = async (id: string, ended: boolean) => {
    if (!ended) {
      try {
        await api.deleteSession(id);
      } catch (err) {
        if (!(err instanceof Error && /not found/i.test(err.message))) {
          showToast(errorText(err, 'Could not close the session'));
          return;
        }
      }
    }
    const next = nextAfterClose(tabIds.peek(), id);
    forget(id);
    if (next === null) location.href = '/';
    else if (active.peek() === id) select(next);
    else if (focused.peek() === id) focused.value = active.peek();
  };

  const created = (id: string) => {
    overlay.value = null;
    if (!opened.peek().includes(id)) opened.value = [...opened.peek(), id];
    void list.refresh();
    select(id);
  };

  const focusedView = () => views.get(focused.peek()) ?? null;
  const commands = (): Command[] =>
    buildCommands(
      {
        newTab: () => (overlay.value = 'new'),
        find: () => (searching.value = true),
        rename: () => (overlay.value = 'rename'),
        cycleSplit: layout.cycleSplit,
        close: () => closeTab(focused.peek()),
        panel: (p) => (overlay.value = { panel: p }),
        fontStep: (d) => updatePrefs({ fontSize: clampFont(prefs.peek().fontSize + d) }),
        preview: () => (previewReq.value += 1),
        clear: () => focusedView()?.term.clear(),
        reload: () => location.reload(),
      },
      // Reading prefs.value here keeps the font size hint current while the palette is open.
      {
        split: split.peek(),
        fontSize: clampFont(prefs.value.fontSize),
        mac: /Mac|iPhone|iPad/.test(navigator.platform),
        ctrlShortcuts: prefs.value.ctrlShortcuts,
      },
    );

  useShortcuts(
    {
      palette: () => (overlay.value = overlay.peek() === 'palette' ? null : 'palette'),
      find: () => (searching.value = true),
      settings: () => (overlay.value = { panel: 'settings' }),
    },
    () => overlay.peek() !== null,
    () => focusedView()?.inFullScreenApp() ?? false,
  );

  // ---- render ------------------------------------------------------------------------------
  const tabs = buildTabs(tabIds.value, {
    sessions: sessions.value,
    view: (id) => {
      const v = views.get(id);
      return v && { unread: v.unread.value, ended: v.ended.value };
    },
    activityUnread: list.activityUnread.value,
    visible: visibleIds.value,
  });
  const fv = views.get(focused.value) ?? null;
  const portSeen = usePortSeen(focused.value, fv);
  const panelProps: PanelProps = {
    sessionId: focused.value,
    onClose: () => {
      overlay.value = null;
      focusedView()?.focus();
    },
    send: (d) => focusedView()?.send(d),
  };
  const paneViews = useMemo(() => opened.value.map((id) => views.viewFor(id)), [opened.value]);

  return (
    <div class="term-page ws">
      <Banners />
      <WorkspaceBar
        tabBar={{
          tabs,
          active: active.value,
          partner: layout.partner.value,
          onSelect: select,
          onClose: closeTab,
          onMove: layout.move,
          onNew: () => (overlay.value = 'new'),
          preview: (id) => views.get(id)?.previewLines(8) ?? null,
        }}
        drawerOpen={overlay.value === 'drawer'}
        onDrawer={() => (overlay.value = 'drawer')}
        onTools={() => (overlay.value = 'palette')}
        sessionId={focused.value}
        previewRequest={previewReq.value}
        portSeen={portSeen}
      />
      <Toast toaster={toast} />
      {searching.value && fv && <SearchBar view={fv} onClose={() => (searching.value = false)} />}
      <Panes
        views={paneViews}
        visible={visibleIds.value}
        tabs={tabs}
        split={split.value}
        focused={focused.value}
        wantFocus={wantFocus.value}
        onFocusTaken={() => (wantFocus.value = null)}
        onFocus={(id) => focused.value !== id && (focused.value = id)}
        onNewSession={() => (overlay.value = 'new')}
      />
      <KeyBar send={(d) => focusedView()?.send(d)} term={fv?.term ?? null} sessionId={focused.value} />
      <Overlays
        overlay={overlay}
        commands={commands}
        focused={{ id: focused.value, name: nameOf(focused.value), cols: fv?.term.cols, rows: fv?.term.rows }}
        tabs={tabs}
        sessions={sessions.value}
        active={active.value}
        onRenamed={(name) => list.rename(focused.peek(), name)}
        onCreated={created}
        onSelect={select}
        onCloseSession={closeTab}
        panel={panelProps}
      />
      {/* After the overlays, so it shows over the session drawer it may be asked from. */}
      {closing.value && (
        <CloseSheet name={nameOf(closing.value)} id={closing.value} onClose={() => (closing.value = null)} onConfirm={(id) => void closeNow(id, false)} />
      )}
    </div>
  );
}
