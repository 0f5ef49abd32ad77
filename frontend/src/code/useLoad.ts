/**
 * Load something for a key, remembering answers in a cache the viewer owns, so switching back
 * to a tab shows it at once; `reload` fetches it again.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { errorText } from '../errorText';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ok'; data: T }
  | { state: 'error'; message: string; status: number };

export type LoadCache = Map<string, Loaded<unknown>>;

export function errorOf(e: unknown): { message: string; status: number } {
  if (e instanceof ApiError) return { message: e.message, status: e.status };
  return { message: errorText(e), status: 0 };
}

export function useLoad<T>(cache: LoadCache, key: string, load: () => Promise<T>): [Loaded<T>, () => void] {
  const [, setTick] = useState(0);
  const [nonce, setNonce] = useState(0);
  const current = (cache.get(key) as Loaded<T> | undefined) ?? { state: 'loading' };

  useEffect(() => {
    if (cache.get(key)?.state === 'ok') return;
    let live = true;
    cache.set(key, { state: 'loading' });
    setTick((t) => t + 1);
    load().then(
      (data) => cache.set(key, { state: 'ok', data }),
      (e: unknown) => cache.set(key, { state: 'error', ...errorOf(e) }),
    ).finally(() => live && setTick((t) => t + 1));
    return () => {
      live = false;
      // An answer that arrives after we left still lands in the cache; a pending marker
      // would otherwise stick, so drop it and let the next visit fetch again.
      if (cache.get(key)?.state === 'loading') cache.delete(key);
    };
  }, [key, nonce]);

  const reload = () => {
    cache.delete(key);
    setNonce((n) => n + 1);
  };
  return [current, reload];
}
