/**
 * Which workspace-wide shortcut a key press is (Ctrl/⌘+K palette, +F find, +, settings).
 * Pure, so the rules are testable without a DOM; useShortcuts.ts wires it to the window.
 */

export type Shortcut = 'palette' | 'find' | 'settings';

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export interface ShortcutContext {
  /** A sheet, the palette or the drawer is open. */
  overlayOpen: boolean;
  /** Focus is in a text field outside the terminal (find would steal its own Ctrl+F). */
  typing: boolean;
}

export function shortcutFor(e: KeyPress, ctx: ShortcutContext): Shortcut | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  const k = e.key.toLowerCase();
  if (k === 'k') return 'palette';
  if (k === 'f' && !e.shiftKey && !ctx.overlayOpen && !ctx.typing) return 'find';
  if (k === ',') return 'settings';
  return null;
}
