/**
 * The workspace's global keyboard shortcuts: one capturing keydown listener on the window, so
 * the shortcuts win over xterm's own key handling.
 */
import { useEffect, useRef } from 'preact/hooks';
import { shortcutFor, type Shortcut } from './shortcuts';

function isTypingOutsideTerminal(el: Element | null): boolean {
  if (!el || el === document.body) return false;
  if (el.closest('.ws-panes')) return false; // xterm's own textarea
  return el.matches('input, textarea, select, [contenteditable="true"]');
}

/** Runs `on[shortcut]` for each shortcut pressed; `overlayOpen` is read at key time. */
export function useShortcuts(on: Record<Shortcut, () => void>, overlayOpen: () => boolean): void {
  const latest = useRef({ on, overlayOpen });
  latest.current = { on, overlayOpen };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const ctx = { overlayOpen: latest.current.overlayOpen(), typing: isTypingOutsideTerminal(document.activeElement) };
      const action = shortcutFor(e, ctx);
      if (!action) return;
      e.preventDefault();
      e.stopPropagation();
      latest.current.on[action]();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
}
