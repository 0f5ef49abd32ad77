/** Focus handling shared by modal surfaces (sheets, the session drawer): Tab containment, Esc. */
import type { RefObject } from 'preact';
import { useLayoutEffect } from 'preact/hooks';

export const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** On Tab / Shift+Tab at either end of `box`'s focusable items, wrap to the other end. */
export function keepTabInside(box: HTMLElement, e: KeyboardEvent): void {
  if (e.key !== 'Tab') return;
  // Hidden items (display: none) cannot take focus; skip them so the wrap lands somewhere real.
  const items = Array.from(box.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((n) => n.getClientRects().length > 0);
  if (items.length === 0) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

/**
 * While mounted, `box` holds focus (on `first` inside it, else itself), closes on Esc and keeps
 * Tab inside; focus returns to where it was on unmount. A layout effect, so all of it is live
 * before the surface is painted: an Esc pressed the moment it appears is not lost.
 */
export function useModalFocus(box: RefObject<HTMLElement | null>, onEscape: () => void, first: string): void {
  useLayoutEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const el = box.current;
    (el?.querySelector<HTMLElement>(first) ?? el)?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onEscape();
      } else if (el) {
        keepTabInside(el, e);
      }
    };
    el?.addEventListener('keydown', onKey);
    return () => {
      el?.removeEventListener('keydown', onKey);
      if (before?.isConnected) before.focus();
    };
  }, []);
}
