/**
 * The transient status line: one message at a time, replaced by the next and gone a few
 * seconds after it was shown. The hub, the workspace and the key bar each own one.
 */
import { signal, type ReadonlySignal } from '@preact/signals';
import { useEffect, useMemo } from 'preact/hooks';

export const TOAST_MS = 5000;

export interface Toaster {
  /** The message on screen, or null. */
  readonly text: ReadonlySignal<string | null>;
  /** Show `message` in place of the current one, for the toaster's full time. */
  show(message: string): void;
  /** Drop the pending timer (the owner is going away). */
  dispose(): void;
}

export function createToaster(ms = TOAST_MS): Toaster {
  const text = signal<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | null = null;
  const dispose = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  const show = (message: string) => {
    dispose();
    text.value = message;
    timer = setTimeout(() => {
      timer = null;
      text.value = null;
    }, ms);
  };
  return { text, show, dispose };
}

/** A toaster that lives as long as the component calling it. */
export function useToast(ms = TOAST_MS): Toaster {
  const toaster = useMemo(() => createToaster(ms), []);
  useEffect(() => toaster.dispose, []);
  return toaster;
}

export function Toast({ toaster, class: cls = 'toast' }: { toaster: Toaster; class?: string }) {
  const text = toaster.text.value;
  return text ? (
    <p class={cls} role="status">
      {text}
    </p>
  ) : null;
}
