/** Tab-key containment shared by modal surfaces (sheets, the session drawer). */

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
