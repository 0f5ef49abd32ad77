/**
 * The hub's live data: the session list (polled while the page is visible and refreshed on a
 * return through the back/forward cache), what this browser has seen of each, the agents
 * that tell sessions apart, the server's version, and deleting a session.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { api, type AgentInfo, type SessionInfo } from '../api';
import { errorText } from '../errorText';
import { prefs } from '../state/prefs';
import { cachedAgents, cachedVersion } from './cache';
import { agentOf } from './filter';
import { toMillis } from './format';
import { loadLaunched, pruneLaunched } from './launched';
import { PollOrder } from './pollOrder';
import { loadSeen, markReturnedFrom, reconcileSeen, saveSeen, type SeenMap } from './unread';

export const POLL_MS = 3000;
/** Failed polls in a row before the hub says the connection is lost. */
export const LOST_AFTER = 5;
/** How often activity ages ("2 min ago") are recomputed between polls. */
const CLOCK_MS = 15_000;
/** Length of the delete animation (see .card.removing in hub.css). */
const DISSOLVE_MS = 320;

/** Call `fn` now, then every `ms` while the page is visible (and at once when it shows again). */
export function useVisiblePoll(fn: () => void, ms: number) {
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

export function useHubSessions() {
  const sessions = useSignal<SessionInfo[] | null>(null);
  const error = useSignal<string | null>(null);
  /** LOST_AFTER polls in a row failed: the "Connection lost" banner with Retry shows. */
  const lost = useSignal(false);
  const failures = useRef(0);
  const version = useSignal<string | null>(null);
  const agents = useSignal<AgentInfo[]>([]);
  const seen = useSignal<SeenMap>({});
  const now = useSignal(Date.now());
  const removing = useSignal<Set<string>>(new Set());
  const launched = useRef<Record<string, string>>(loadLaunched());
  const agentsAsked = useRef(false);

  useEffect(() => {
    document.title = 'TermBeam';
    markReturnedFrom();
    seen.value = loadSeen();
    cachedVersion().then((v) => (version.value = v)).catch(() => {});
    const clock = setInterval(() => (now.value = Date.now()), CLOCK_MS);
    return () => clearInterval(clock);
  }, []);

  const order = useRef(new PollOrder()).current;
  const refresh = async () => {
    const poll = order.ask();
    try {
      const list = await api.sessions();
      if (!order.take(poll)) return; // a later poll has answered already
      const clean = Array.isArray(list) ? list.filter((s) => !(s as { hidden?: boolean }).hidden) : [];
      sessions.value = clean;
      now.value = Date.now();
      error.value = null;
      failures.current = 0;
      lost.value = false;
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
      if (!order.take(poll)) return;
      failures.current += 1;
      if (failures.current >= LOST_AFTER) {
        lost.value = true;
        error.value = null;
        // Still logged in? A 401 here sends the browser to the login page (api.request).
        void api.version().catch(() => {});
      } else error.value = errorText(err);
    }
  };
  useVisiblePoll(() => void refresh(), POLL_MS);
  /** The banner's Retry: poll now. */
  const retry = () => void refresh();

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

  /** Delete at once: the hub asks first, in its own sheet (ConfirmSheet). */
  const remove = async (s: SessionInfo) => {
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
      error.value = errorText(err);
    }
  };

  const agentName = (s: SessionInfo) => agentOf(s, agents.value, launched.current);
  const agentInfo = (s: SessionInfo): AgentInfo | null => {
    const n = agentName(s);
    return agents.value.find((a) => a.name === n) ?? null;
  };

  return { sessions, error, lost, retry, version, agents, seen, now, removing, launched, remove, agentName, agentInfo };
}
