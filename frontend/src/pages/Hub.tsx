/**
 * / (hub): the session cards (polled every 3 s while the page is visible), filter bar,
 * workspaces, the empty state with tips, and the new-session sheet.
 */
import { useComputed, useSignal } from '@preact/signals';
import type { ComponentType } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { api, type AgentInfo, type SessionInfo } from '../api';
import { onFocusedPush } from '../notify';
import { prefs } from '../state/prefs';
import { Banners } from '../settings/Banners';
import type { PanelProps } from '../ui/panels';
import NewSessionSheet from '../hub/NewSessionSheet';
import { EmptyState } from '../hub/EmptyState';
import { FilterBar } from '../hub/FilterBar';
import { SessionCard, terminalUrl } from '../hub/SessionCard';
import { WorkspaceLauncher } from '../hub/WorkspaceLauncher';
import { agentOf, applyFilter, describeForFilter, EMPTY_FILTER, facetValues, loadFilter, pruneFilter, saveFilter, type HubFilter } from '../hub/filter';
import { homeOf, toMillis } from '../hub/format';
import { cachedAgents, cachedVersion } from '../hub/cache';
import { loadLaunched, pruneLaunched } from '../hub/launched';
import { isUnread, loadSeen, markReturnedFrom, noteOpened, reconcileSeen, saveSeen, type SeenMap } from '../hub/unread';
import { NotifySettings } from './NotifySettings';
import '../hub/hub.css';

export { terminalUrl };
export const POLL_MS = 3000;
/** How often activity ages ("2 min ago") are recomputed between polls. */
const CLOCK_MS = 15_000;
/** Length of the delete animation (see .card.removing in hub.css). */
const DISSOLVE_MS = 320;

function useVisiblePoll(fn: () => void, ms: number) {
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | null = null;
    const start = () => {
      if (timer === null) timer = setInterval(fn, ms);
    };
    const stop = () => {
      if (timer !== null) clearInterval(timer);
      timer = null;
    };
    const onVis = () => {
      if (document.visibilityState === 'visible') {
        fn();
        start();
      } else stop();
    };
    fn();
    if (document.visibilityState === 'visible') start();
    document.addEventListener('visibilitychange', onVis);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVis);
    };
  }, []);
}

function LazySettings({ onClose }: { onClose: () => void }) {
  const Comp = useSignal<ComponentType<PanelProps> | null>(null);
  const failed = useSignal(false);
  useEffect(() => {
    import('../settings/SettingsPanel').then((m) => (Comp.value = m.default)).catch(() => (failed.value = true));
  }, []);
  if (failed.value) {
    return (
      <p class="error banner" role="alert">
        Could not load the settings. Reload the page.
      </p>
    );
  }
  const C = Comp.value;
  return C ? <C sessionId="" onClose={onClose} send={() => {}} /> : null;
}

export function Hub() {
  const sessions = useSignal<SessionInfo[] | null>(null);
  const error = useSignal<string | null>(null);
  const showNew = useSignal(false);
  const showSettings = useSignal(false);
  const toast = useSignal<string | null>(null);
  const version = useSignal<string | null>(null);
  const agents = useSignal<AgentInfo[]>([]);
  const seen = useSignal<SeenMap>({});
  const now = useSignal(Date.now());
  const removing = useSignal<Set<string>>(new Set());
  const filter = useSignal<HubFilter>(loadFilter());
  const launched = useRef<Record<string, string>>(loadLaunched());
  const agentsAsked = useRef(false);

  useEffect(
    () =>
      onFocusedPush((p) => {
        const text = p.title ?? 'Command finished';
        toast.value = text;
        setTimeout(() => toast.value === text && (toast.value = null), 5000);
      }),
    [],
  );

  useEffect(() => {
    document.title = 'TermBeam';
    markReturnedFrom();
    seen.value = loadSeen();
    cachedVersion().then((v) => (version.value = v)).catch(() => {});
    const clock = setInterval(() => (now.value = Date.now()), CLOCK_MS);
    return () => clearInterval(clock);
  }, []);

  const refresh = async () => {
    try {
      const list = await api.sessions();
      const clean = Array.isArray(list) ? list.filter((s) => !(s as { hidden?: boolean }).hidden) : [];
      sessions.value = clean;
      now.value = Date.now();
      error.value = null;
      const next = reconcileSeen(loadSeen(), clean.map((s) => ({ id: s.id, lastActivity: toMillis(s.lastActivity) })));
      seen.value = next;
      saveSeen(next);
      pruneLaunched(clean.map((s) => s.id));
      // Agents matter only for telling sessions apart (or naming one this browser launched).
      const needAgents = clean.length >= 2 || clean.some((s) => launched.current[s.id]);
      if (needAgents && !agentsAsked.current) {
        agentsAsked.current = true;
        cachedAgents().then((a) => (agents.value = a)).catch(() => {});
      }
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    }
  };
  useVisiblePoll(() => void refresh(), POLL_MS);

  // Back from a terminal via the back/forward cache: the page did not remount, so redo the
  // "came back from a session" bookkeeping here.
  useEffect(() => {
    const onShow = (e: PageTransitionEvent) => {
      if (!e.persisted) return;
      markReturnedFrom();
      seen.value = loadSeen();
      void refresh();
    };
    addEventListener('pageshow', onShow);
    return () => removeEventListener('pageshow', onShow);
  }, []);

  const agentName = (s: SessionInfo) => agentOf(s, agents.value, launched.current);
  const agentInfo = (s: SessionInfo): AgentInfo | null => {
    const n = agentName(s);
    return agents.value.find((a) => a.name === n) ?? null;
  };

  const rows = useComputed(() => (sessions.value ?? []).map((s) => describeForFilter(s, agentOf(s, agents.value, launched.current))));
  const facets = useComputed(() => facetValues(rows.value));
  const canFilter = (sessions.value?.length ?? 0) >= 2;
  const effective = canFilter ? pruneFilter(filter.value, facets.value) : EMPTY_FILTER;
  const visibleIds = new Set(applyFilter(rows.value, effective));

  const setFilter = (f: HubFilter) => {
    filter.value = f;
    saveFilter(f);
  };

  const open = (s: SessionInfo) => noteOpened(s.id);

  const remove = async (s: SessionInfo) => {
    if (!confirm(`Delete session "${s.name}"? Its shell will be killed.`)) return;
    try {
      await api.deleteSession(s.id);
      const drop = () => {
        sessions.value = (sessions.value ?? []).filter((x) => x.id !== s.id);
        const next = new Set(removing.value);
        next.delete(s.id);
        removing.value = next;
      };
      const reduced = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
      if (prefs.value.particleDissolve && !reduced) {
        removing.value = new Set(removing.value).add(s.id);
        setTimeout(drop, DISSOLVE_MS);
      } else drop();
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    }
  };

  const goTo = (id: string) => {
    noteOpened(id);
    location.href = terminalUrl(id);
  };

  const list = sessions.value;
  // The server has no "home" field: guess it from where the sessions are (see guessHome).
  const home = homeOf(list ?? []);
  const empty = list !== null && list.length === 0;
  const shown = list ? list.filter((s) => visibleIds.has(s.id)) : [];
  return (
    <div class="hub-page">
      <Banners />
      <main class="hub">
        <header class="topbar hub-bar">
          <h1 class="brand">TermBeam</h1>
          <span class="hub-tools">
            <NotifySettings />
            <button type="button" class="btn icon" aria-label="Settings" title="Settings" onClick={() => (showSettings.value = true)}>
              ⚙
            </button>
            {/* One "+ New session" at a time: the empty state has its own big one. */}
            {((list?.length ?? 0) > 0 || (list === null && error.value)) && (
              <button type="button" class="btn primary" aria-haspopup="dialog" onClick={() => (showNew.value = true)}>
                + New session
              </button>
            )}
          </span>
        </header>
        {toast.value && (
          <p class="toast" role="status">
            {toast.value}
          </p>
        )}
        {error.value && (
          <p class="error banner" role="alert">
            {error.value}
          </p>
        )}
        {list === null ? (
          <p class="muted hub-loading">Loading sessions…</p>
        ) : empty ? (
          <EmptyState onNew={() => (showNew.value = true)} />
        ) : (
          <>
            {canFilter && <FilterBar filter={effective} facets={facets.value} shown={shown.length} total={list.length} onChange={setFilter} />}
            {shown.length === 0 ? (
              <p class="muted hub-none">No session matches the filter.</p>
            ) : (
              <ul class="cards" aria-label="Sessions">
                {shown.map((s) => (
                  <SessionCard
                    key={s.id}
                    s={s}
                    home={home}
                    now={now.value}
                    unread={isUnread({ id: s.id, lastActivity: toMillis(s.lastActivity) }, seen.value)}
                    agent={agentName(s)}
                    removing={removing.value.has(s.id)}
                    onOpen={open}
                    onDelete={(x) => void remove(x)}
                  />
                ))}
              </ul>
            )}
          </>
        )}
        {list !== null && <WorkspaceLauncher sessions={list} agentFor={agentInfo} onLaunched={goTo} />}
        <footer class="hub-foot muted">{version.value ? `TermBeam v${version.value}` : ''}</footer>
      </main>
      {showNew.value && <NewSessionSheet onClose={() => (showNew.value = false)} onCreated={goTo} />}
      {showSettings.value && <LazySettings onClose={() => (showSettings.value = false)} />}
    </div>
  );
}
