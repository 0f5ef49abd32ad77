/**
 * Ask the server for something now and every `ms` while the component is mounted and the page
 * is visible (#19): a phone in a pocket polls nothing. A hidden page that shows again asks at
 * once. The answer resets when `key` changes (another session).
 */
import { useSignal, type Signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { errorText } from '../errorText';

export interface Polled<T> {
  value: Signal<T | null>;
  error: Signal<string | null>;
}

export function usePolled<T>(load: () => Promise<T>, ms: number, key: unknown = null): Polled<T> {
  const value = useSignal<T | null>(null);
  const error = useSignal<string | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | null = null;
    let alive = true;
    value.value = null;
    error.value = null;
    const ask = () =>
      load().then(
        (v) => {
          if (!alive) return;
          value.value = v;
          error.value = null;
        },
        (err: unknown) => {
          if (alive) error.value = errorText(err);
        },
      );
    const start = () => {
      if (timer === null) timer = setInterval(() => void ask(), ms);
    };
    const stop = () => {
      if (timer !== null) clearInterval(timer);
      timer = null;
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') {
        void ask();
        start();
      } else stop();
    };
    if (document.visibilityState === 'visible') {
      void ask();
      start();
    }
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      alive = false;
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [key]);
  return { value, error };
}
