/**
 * Load a module (or anything else) on first use and remember it: the panels, sheets and
 * overlays that are split out of the main bundle all load through here, so each has the same
 * loading, failure and retry behaviour.
 */
import { signal, type ReadonlySignal } from '@preact/signals';
import { useEffect, useMemo } from 'preact/hooks';

export interface Lazy<T> {
  /** What was loaded, or null until it has arrived. */
  readonly value: ReadonlySignal<T | null>;
  /** True after a load failed, until the next attempt starts. */
  readonly failed: ReadonlySignal<boolean>;
  /** Start loading, or join the load under way; once loaded, answers at once. Rejects on failure. */
  load(): Promise<T>;
}

export function createLazy<T>(loader: () => Promise<T>): Lazy<T> {
  const value = signal<T | null>(null);
  const failed = signal(false);
  let pending: Promise<T> | null = null;
  const load = () => {
    if (pending) return pending;
    failed.value = false;
    pending = loader().then(
      (loaded) => {
        value.value = loaded;
        return loaded;
      },
      (err: unknown) => {
        pending = null; // a later call tries again (the connection may be back)
        failed.value = true;
        throw err;
      },
    );
    return pending;
  };
  return { value, failed, load };
}

export interface LazyOptions {
  /** Start loading as soon as the component mounts instead of on the first `load()`. */
  now?: boolean;
  /** Load something else when this changes (e.g. the name of the panel to show). */
  key?: unknown;
}

/** `createLazy` for a component: kept across renders, started on mount when `now` is set. */
export function useLazy<T>(loader: () => Promise<T>, { now = false, key }: LazyOptions = {}): Lazy<T> {
  const lazy = useMemo(() => createLazy(loader), [key]);
  useEffect(() => {
    if (now) lazy.load().catch(() => {}); // shown through `failed`
  }, [lazy]);
  return lazy;
}
