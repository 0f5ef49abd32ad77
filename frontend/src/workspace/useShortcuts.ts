/**
 * The workspace's global keyboard shortcuts: one capturing keydown listener on the window, so
 * the shortcuts win over xterm's own key handling.
 */
import { useEffect, useRef } from 'preact/hooks';
import { prefs } from '../state/prefs';
import { shortcutFor, type Shortcut } from './shortcuts';

function isTypingOutsideTerminal(el: Element | null): boolean {
  if (!el || el === document.body) return false;
  if (el.closest('.ws-panes')) return false; // xterm's own textarea
  return el.matches('input, textarea, select, [contenteditable="true"]');
}

function isInTerminal(el: Element | null): boolean {
  return !!el?.closest('.ws-panes');
}

/**
 * Runs `on[shortcut]` for each shortcut pressed; `overlayOpen` and `fullScreenApp` (the
 * focused terminal runs a full-screen program) are read at key time.
 */
export function useShortcuts(
  on: Record<Shortcut, () => void>,
  overlayOpen: () => boolean,
  fullScreenApp: () => boolean,
): void {
  const latest = useRef({ on, overlayOpen, fullScreenApp });
  latest.current = { on, overlayOpen, fullScreenApp };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = document.activeElement;
      const ctx = {
        overlayOpen: latest.current.overlayOpen(),
        typing: isTypingOutsideTerminal(el),
        fullScreenApp: isInTerminal(el) && latest.current.fullScreenApp(),
        inTerminal: isInTerminal(el),
        ctrlShortcuts: prefs.peek().ctrlShortcuts,
      };
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
