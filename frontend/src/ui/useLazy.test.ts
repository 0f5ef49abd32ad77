import { describe, expect, it, vi } from 'vitest';
import { createLazy } from './useLazy';

/** A loader whose answer the test decides. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('createLazy', () => {
  it('does nothing until asked', () => {
    const loader = vi.fn(() => Promise.resolve(1));
    const lazy = createLazy(loader);
    expect(loader).not.toHaveBeenCalled();
    expect(lazy.value.value).toBeNull();
    expect(lazy.failed.value).toBe(false);
  });

  it('loads once and shares the answer', async () => {
    const d = deferred<string>();
    const loader = vi.fn(() => d.promise);
    const lazy = createLazy(loader);
    const a = lazy.load();
    const b = lazy.load();
    expect(lazy.value.value).toBeNull();
    d.resolve('module');
    expect(await a).toBe('module');
    expect(await b).toBe('module');
    expect(await lazy.load()).toBe('module');
    expect(loader).toHaveBeenCalledTimes(1);
    expect(lazy.value.value).toBe('module');
  });

  it('keeps a function as the value (a lazily loaded component)', async () => {
    const Comp = () => null;
    const lazy = createLazy(() => Promise.resolve(Comp));
    await lazy.load();
    expect(lazy.value.value).toBe(Comp);
  });

  it('marks a failure, rejects, and tries again on the next load', async () => {
    const loader = vi.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValueOnce('ok');
    const lazy = createLazy<string>(loader);
    await expect(lazy.load()).rejects.toThrow('offline');
    expect(lazy.failed.value).toBe(true);
    expect(lazy.value.value).toBeNull();
    const retry = lazy.load();
    expect(lazy.failed.value).toBe(false);
    expect(await retry).toBe('ok');
    expect(lazy.value.value).toBe('ok');
    expect(loader).toHaveBeenCalledTimes(2);
  });
});
