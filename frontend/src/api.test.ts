import { describe, expect, it } from 'vitest';
import { notOurJson, reloadForTunnelLogin, TUNNEL_RELOAD_MS } from './api';

function memory(): Pick<Storage, 'getItem' | 'setItem'> {
  const items = new Map<string, string>();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

describe('a tunnel login page instead of our JSON', () => {
  it('is told apart from our JSON answers', () => {
    const answer = (type: string | null, status = 200) =>
      new Response(status === 204 ? null : 'x', { status, headers: type ? { 'Content-Type': type } : {} });
    expect(notOurJson(answer('text/html; charset=utf-8'))).toBe(true);
    expect(notOurJson(answer(null))).toBe(true);
    expect(notOurJson(answer('application/json; charset=utf-8'))).toBe(false);
    expect(notOurJson(answer(null, 204))).toBe(false);
  });

  it('reloads the page at most once per 30 s', () => {
    const storage = memory();
    let reloads = 0;
    const reload = () => void (reloads += 1);
    expect(reloadForTunnelLogin(1_000_000, storage, reload)).toBe(true);
    expect(reloadForTunnelLogin(1_000_000 + TUNNEL_RELOAD_MS - 1, storage, reload)).toBe(false);
    expect(reloads).toBe(1);
    expect(reloadForTunnelLogin(1_000_000 + TUNNEL_RELOAD_MS, storage, reload)).toBe(true);
    expect(reloadForTunnelLogin(5, storage, reload)).toBe(true); // a clock set back: not stuck
    expect(reloads).toBe(3);
  });
});
