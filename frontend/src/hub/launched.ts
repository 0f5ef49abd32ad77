/**
 * Which agent this browser launched each session with (localStorage), so the hub's Agent chip
 * and "save as workspace" know agent sessions apart from plain shells.
 */
const KEY = 'termbeam-session-agents';

export function loadLaunched(): Record<string, string> {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export function rememberLaunch(sessionId: string, agentId: string): void {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...loadLaunched(), [sessionId]: agentId }));
  } catch {
    /* ignore */
  }
}

/** Forget sessions that no longer exist so the map does not grow forever. */
export function pruneLaunched(liveIds: string[]): void {
  const map = loadLaunched();
  const live = new Set(liveIds);
  const kept = Object.fromEntries(Object.entries(map).filter(([id]) => live.has(id)));
  if (Object.keys(kept).length !== Object.keys(map).length) {
    try {
      localStorage.setItem(KEY, JSON.stringify(kept));
    } catch {
      /* ignore */
    }
  }
}
