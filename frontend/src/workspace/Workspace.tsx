/**
 * The terminal workspace (/terminal?id=…): every session as a tab, one or two live panes
 * (split view), find, the tools palette with its lazily loaded panels, keyboard shortcuts,
 * session polling, wake lock and notifications. Each opened tab keeps its own xterm and
 * connection (see terminal/view.ts); tabs never opened cost nothing but a list entry.
 */
import { useComputed, useSignal, useSignalEffect } from '@preact/signals';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { api, type SessionInfo } from '../api';
import { prefs, updatePrefs } from '../state/prefs';
import { activeTheme } from '../themes';
import type { PanelProps } from '../ui/panels';
import { inPageNotify, onFocusedPush } from '../notify';
import { TerminalView } from '../terminal/view';
import { holdWakeLock } from '../terminal/wakeLock';
import { trackVisualViewport } from '../viewport';
import { KeyBar } from '../keybar/KeyBar';
import { Banners } from '../settings/Banners';
import { PreviewButton } from '../pages/PreviewButton';
import { NotifySettings } from '../pages/NotifySettings';
import { clampFont } from './gestures';
import { applyOrder, loadOrder, moveTab, saveOrder, splitPartner } from './tabs';
import { TabBar, type TabInfo } from './TabBar';
import { Pane } from './Pane';
import { SearchBar } from './SearchBar';
import { Palette } from './Palette';
import { NEXT_SPLIT, buildCommands, type Command, type PanelName, type Split } from './commands';
import { LazyNewSession, LazyPanel } from './lazy';
import { RenameSheet } from './RenameSheet';
import { SessionDrawer } from './SessionDrawer';
import { drawerSessions } from './drawer';
import './workspace.css';

const POLL_MS = 3000;

type Overlay = null | 'palette' | 'rename' | 'new' | 'drawer' | { panel: PanelName };

function isTypingOutsideTerminal(el: Element | null): boolean {
  if (!el || el === document.body) return false;
  if (el.closest('.ws-panes')) return false; // xterm's own textarea
  return el.matches('input, textarea, select, [contenteditable="true"]');
}

export function Workspace({ sessionId }: { sessionId: string }) {
  const sessions = useSignal<SessionInfo[]>([]);
  const order = useSignal<string[]>(loadOrder());
  const active = useSignal(sessionId);
  const focused = useSignal(sessionId);
  const split = useSignal<Split>('off');
  const opened = useSignal<string[]>([sessionId]);
  const overlay = useSignal<Overlay>(null);
  const searching = useSignal(false);
  const toast = useSignal<string | null>(null);
  const previewReq = useSignal(0);
  /** Unopened tabs whose server-side lastActivity moved since we first saw them. */
  const activity = useSignal<Record<string, number | string | undefined>>({});
  const activityUnread = useSignal<Set<string>>(new Set());
  const views = useRef(new Map<string, TerminalView>());

  const showToast = (text: string) => {
    toast.value = text;
    setTimeout(() => toast.value === text && (toast.value = null), 5000);
  };

  const nameOf = (id: string) => sessions.peek().find((s) => s.id === id)?.name ?? 'Terminal';

  const viewFor = (id: string): TerminalView => {
    let v = views.current.get(id);
    if (!v) {
      v = new TerminalView(
        id,
        { fontSize: clampFont(prefs.peek().fontSize), theme: activeTheme.peek().term },
        {
          notification: (msg) => {
            const text = inPageNotify(msg, focused.peek());
            if (text) showToast(text);
          },
          fontSizeChosen: (size) => updatePrefs({ fontSize: size }),
          name: () => nameOf(id),
        },
      );
      views.current.set(id, v);
      v.setVisible(visibleIds.peek().includes(id));
    }
    return v;
  };

  // ---- the session list --------------------------------------------------------------------
  const refresh = async () => {
    try {
      const list = await api.sessions();
      const prev = activity.peek();
      const next: Record<string, number | string | undefined> = {};
      const unread = new Set(activityUnread.peek());
      for (const s of list) {
        next[s.id] = s.lastActivity;
        const hidden = s.id !== active.peek() && !views.current.has(s.id);
        if (hidden && s.id in prev && prev[s.id] !== s.lastActivity) unread.add(s.id);
      }
      activity.value = next;
      activityUnread.value = unread;
      sessions.value = list;
    } catch {
      /* offline: the connection banners say so; keep the last list */
    }
  };

  useEffect(() => {
    void refresh();
    const t = setInterval(() => document.visibilityState === 'visible' && void refresh(), POLL_MS);
    const onVis = () => document.visibilityState === 'visible' && void refresh();
    document.addEventListener('visibilitychange', onVis);
    return () => {
      clearInterval(t);
      document.removeEventListener('visibilitychange', onVis);
    };
  }, []);

  /** Tab ids: the server's sessions plus opened tabs the server no longer lists (ended). */
  const tabIds = useComputed(() => {
    const ids = sessions.value.map((s) => s.id);
    for (const id of opened.value) if (!ids.includes(id)) ids.push(id);
    return applyOrder(ids, order.value);
  });
  const partner = useComputed(() => (split.value === 'off' ? null : splitPartner(tabIds.value, active.value)));
  const visibleIds = useComputed(() => (partner.value ? [active.value, partner.value] : [active.value]));

  // Open a view for every visible tab; tell views whether they are on screen.
  useSignalEffect(() => {
    const vis = visibleIds.value;
    const missing = vis.filter((id) => !opened.peek().includes(id));
    if (missing.length) opened.value = [...opened.peek(), ...missing];
    for (const [id, v] of views.current) v.setVisible(vis.includes(id));
    if (!vis.includes(focused.peek())) focused.value = active.value;
  });

  // Live theme and font size for every terminal.
  useSignalEffect(() => {
    const theme = activeTheme.value.term;
    const size = clampFont(prefs.value.fontSize);
    for (const v of views.current.values()) {
      v.setTheme(theme);
      v.setFontSize(size);
    }
  });

  // URL and title follow the selected tab.
  useSignalEffect(() => {
    const id = active.value;
    const url = `/terminal?id=${encodeURIComponent(id)}`;
    if (location.pathname + location.search !== url) history.replaceState(history.state, '', url);
    const s = sessions.value.find((x) => x.id === id);
    document.title = s ? `${s.name} — TermBeam` : 'TermBeam';
  });

  useEffect(() => holdWakeLock(), []);
  // One listener for the page: panes refit through their ResizeObservers when --app-height moves.
  useEffect(() => trackVisualViewport(), []);
  useEffect(
    () => onFocusedPush((p) => !visibleIds.peek().includes(p.sessionId ?? '') && p.title && showToast(p.title)),
    [],
  );
  useEffect(() => () => {
    for (const v of views.current.values()) v.dispose();
    views.current.clear();
  }, []);

  // ---- actions -----------------------------------------------------------------------------
  const select = (id: string) => {
    active.value = id;
    focused.value = id;
    if (activityUnread.peek().has(id)) {
      const u = new Set(activityUnread.peek());
      u.delete(id);
      activityUnread.value = u;
    }
    requestAnimationFrame(() => {
      if (!window.matchMedia('(pointer: coarse)').matches) views.current.get(id)?.focus();
    });
  };

  const move = (id: string, to: number) => {
    const next = moveTab(tabIds.peek(), id, to);
    order.value = next;
    saveOrder(next);
  };

  const forget = (id: string) => {
    views.current.get(id)?.dispose();
    views.current.delete(id);
    opened.value = opened.peek().filter((x) => x !== id);
    sessions.value = sessions.peek().filter((s) => s.id !== id);
  };

  const closeTab = async (id: string) => {
    const name = nameOf(id);
    const ended = views.current.get(id)?.ended.peek();
    if (!ended && !confirm(`Close session "${name}"? Its shell and running programs are ended.`)) return;
    if (!ended) {
      try {
        await api.deleteSession(id);
      } catch (err) {
        if (!(err instanceof Error && /not found/i.test(err.message))) {
          showToast(err instanceof Error ? err.message : 'Could not close the session');
          return;
        }
      }
    }
    const ids = tabIds.peek();
    const i = ids.indexOf(id);
    forget(id);
    const rest = ids.filter((x) => x !== id);
    if (rest.length === 0) {
      location.href = '/';
      return;
    }
    if (active.peek() === id) select(rest[Math.min(i, rest.length - 1)]);
    else if (focused.peek() === id) focused.value = active.peek();
  };

  const created = (id: string) => {
    overlay.value = null;
    if (!opened.peek().includes(id)) opened.value = [...opened.peek(), id];
    void refresh();
    select(id);
  };

  const focusedView = () => views.current.get(focused.peek()) ?? null;
  const fontStep = (d: number) => updatePrefs({ fontSize: clampFont(prefs.peek().fontSize + d) });

  const commands = (): Command[] =>
    buildCommands(
      {
        newTab: () => (overlay.value = 'new'),
        find: () => (searching.value = true),
        rename: () => (overlay.value = 'rename'),
        cycleSplit: () => (split.value = NEXT_SPLIT[split.peek()]),
        close: () => void closeTab(focused.peek()),
        panel: (p) => (overlay.value = { panel: p }),
        fontStep,
        preview: () => (previewReq.value += 1),
        clear: () => focusedView()?.term.clear(),
        reload: () => location.reload(),
      },
      // Reading prefs.value here keeps the font size hint current while the palette is open.
      { split: split.peek(), fontSize: clampFont(prefs.value.fontSize), mac: /Mac|iPhone|iPad/.test(navigator.platform) },
    );

  // ---- keyboard shortcuts ------------------------------------------------------------------
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      const k = e.key.toLowerCase();
      if (k === 'k') {
        e.preventDefault();
        e.stopPropagation();
        overlay.value = overlay.peek() === 'palette' ? null : 'palette';
      } else if (k === 'f' && !e.shiftKey && overlay.peek() === null && !isTypingOutsideTerminal(document.activeElement)) {
        e.preventDefault();
        e.stopPropagation();
        searching.value = true;
      } else if (k === ',') {
        e.preventDefault();
        e.stopPropagation();
        overlay.value = { panel: 'settings' };
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  // ---- render ------------------------------------------------------------------------------
  const tabs: TabInfo[] = tabIds.value.map((id) => {
    const s = sessions.value.find((x) => x.id === id);
    const v = views.current.get(id);
    return {
      id,
      name: s?.name ?? (v?.ended.value?.kind === 'notfound' ? 'Not found' : 'Session'),
      color: s?.color,
      unread: (v ? v.unread.value : activityUnread.value.has(id)) && !visibleIds.value.includes(id),
      ended: !!v?.ended.value,
    };
  });
  const termBg = activeTheme.value.term.background ?? 'var(--bg)';
  const fv = views.current.get(focused.value) ?? null;
  const ov = overlay.value;
  const panelProps: PanelProps = {
    sessionId: focused.value,
    onClose: () => {
      overlay.value = null;
      focusedView()?.focus();
    },
    send: (d) => focusedView()?.send(d),
  };
  const splitCls = split.value === 'off' ? '' : ` split-${split.value}`;
  const paneViews = useMemo(() => opened.value.map((id) => viewFor(id)), [opened.value]);

  return (
    <div class="term-page ws">
      <Banners />
      <header class="topbar term-bar ws-bar">
        <a class="btn icon" href="/" aria-label="Back to sessions" title="Sessions">
          ‹
        </a>
        <button
          type="button"
          class="btn icon ws-drawer-btn"
          aria-label="Sessions"
          title="All sessions"
          aria-haspopup="dialog"
          aria-expanded={ov === 'drawer'}
          onClick={() => (overlay.value = 'drawer')}
        >
          ▤
        </button>
        <TabBar
          tabs={tabs}
          active={active.value}
          partner={partner.value}
          onSelect={select}
          onClose={(id) => void closeTab(id)}
          onMove={move}
          onNew={() => (overlay.value = 'new')}
          preview={(id) => views.current.get(id)?.previewLines(8) ?? null}
        />
        <PreviewButton sessionId={focused.value} openRequest={previewReq.value} />
        <span class="ws-desktop-only">
          <NotifySettings />
        </span>
        <button
          type="button"
          class="btn icon ws-tools-btn"
          aria-label="Tools"
          title="Tools (Ctrl+K)"
          aria-haspopup="dialog"
          onClick={() => (overlay.value = 'palette')}
        >
          ☰
        </button>
      </header>
      {toast.value && (
        <p class="toast" role="status">
          {toast.value}
        </p>
      )}
      {searching.value && fv && <SearchBar view={fv} onClose={() => (searching.value = false)} />}
      <main class={`ws-panes${splitCls}`}>
        {paneViews.map((v) => {
          const slot = visibleIds.value.indexOf(v.sessionId);
          return (
            <Pane
              key={v.sessionId}
              view={v}
              name={tabs.find((t) => t.id === v.sessionId)?.name ?? 'Session'}
              visible={slot >= 0}
              slot={slot < 0 ? 9 : slot}
              focused={split.value !== 'off' && v.sessionId === focused.value}
              background={termBg}
              onFocus={() => focused.value !== v.sessionId && (focused.value = v.sessionId)}
              onNewSession={() => (overlay.value = 'new')}
            />
          );
        })}
      </main>
      <KeyBar send={(d) => focusedView()?.send(d)} term={fv?.term ?? null} sessionId={focused.value} />
      {ov === 'palette' && <Palette commands={commands()} onClose={() => (overlay.value = null)} />}
      {ov === 'rename' && (
        <RenameSheet
          id={focused.value}
          name={nameOf(focused.value)}
          onClose={() => (overlay.value = null)}
          onRenamed={(name) => {
            const id = focused.peek();
            sessions.value = sessions.peek().map((s) => (s.id === id ? { ...s, name } : s));
          }}
        />
      )}
      {ov === 'new' && (
        <LazyNewSession
          onClose={() => (overlay.value = null)}
          onCreated={created}
          cols={fv?.term.cols}
          rows={fv?.term.rows}
        />
      )}
      {ov === 'drawer' && (
        <SessionDrawer
          sessions={drawerSessions(tabs, sessions.value)}
          active={active.value}
          onSelect={(id) => {
            overlay.value = null;
            select(id);
          }}
          onCloseSession={(id) => void closeTab(id)}
          onNew={() => (overlay.value = 'new')}
          onResume={() => (overlay.value = { panel: 'resume' })}
          onDismiss={() => (overlay.value = null)}
        />
      )}
      {ov && typeof ov === 'object' && <LazyPanel name={ov.panel} props={panelProps} />}
    </div>
  );
}
