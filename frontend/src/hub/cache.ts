/**
 * Per-tab caches for the hub's rarely changing lookups (server version, detected agents): every
 * hub load otherwise spends API requests, and the server allows 120 a minute per address,
 * shared with the 3 s session polling of every open page.
 */
import { api, type AgentInfo } from '../api';

const TTL_MS = 5 * 60_000;

async function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  try {
    const raw = sessionStorage.getItem(key);
    if (raw) {
      const { at, value } = JSON.parse(raw) as { at: number; value: T };
      if (Date.now() - at < TTL_MS) return value;
    }
  } catch {
    /* no storage: just load */
  }
  const value = await load();
  try {
    sessionStorage.setItem(key, JSON.stringify({ at: Date.now(), value }));
  } catch {
    /* ignore */
  }
  return value;
}

export const cachedVersion = () => cached('termbeam-version', async () => (await api.version()).version);
export const cachedAgents = () => cached<AgentInfo[]>('termbeam-agents', () => api.agents());
