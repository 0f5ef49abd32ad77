/**
 * Unread dots: a session is unread when it produced output after the last time this browser
 * looked at it. "Last seen" times live in localStorage (per browser, like the original).
 */
const KEY = 'termbeam-last-seen';
/** sessionStorage: the session this tab opened last, marked seen when the user comes back. */
const LAST_OPENED = 'termbeam-last-opened';

export type SeenMap = Record<string, number>;

export interface Activity {
  id: string;
  lastActivity: number | null;
}

/** True when the session has output newer than its last-seen time. Unknown sessions are read. */
export function isUnread(s: Activity, seen: SeenMap): boolean {
  const at = seen[s.id];
  return at !== undefined && s.lastActivity !== null && s.lastActivity > at;
}

/**
 * The seen map after a poll: sessions seen for the first time start as read (baseline = their
 * current activity), and entries for sessions that no longer exist are dropped.
 */
export function reconcileSeen(seen: SeenMap, sessions: Activity[]): SeenMap {
  const out: SeenMap = {};
  for (const s of sessions) out[s.id] = seen[s.id] ?? s.lastActivity ?? 0;
  return out;
}

export function loadSeen(): SeenMap {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {};
    const out: SeenMap = {};
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'number') out[k] = v;
    return out;
  } catch {
    return {};
  }
}

export function saveSeen(seen: SeenMap): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(seen));
  } catch {
    /* storage blocked: dots just reset next load */
  }
}

/** Record that the user is looking at a session now (the terminal page may call this too). */
export function markSeen(id: string, at: number = Date.now()): void {
  saveSeen({ ...loadSeen(), [id]: at });
}

/** Called when a card is opened: mark it seen and remember it for the return trip. */
export function noteOpened(id: string): void {
  markSeen(id);
  try {
    sessionStorage.setItem(LAST_OPENED, id);
  } catch {
    /* ignore */
  }
}

/**
 * Back on the hub: the session this tab was in was on screen until now, so its output is not
 * "unread". Returns the id it marked, if any.
 */
export function markReturnedFrom(): string | null {
  try {
    const id = sessionStorage.getItem(LAST_OPENED);
    if (!id) return null;
    sessionStorage.removeItem(LAST_OPENED);
    markSeen(id);
    return id;
  } catch {
    return null;
  }
}
