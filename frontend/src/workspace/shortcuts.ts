/**
 * Which workspace-wide shortcut a key press is (Ctrl/⌘+K palette, +F find, +, settings).
 * Pure, so the rules are testable without a DOM; useShortcuts.ts wires it to the window.
 *
 * A full-screen program in the focused terminal (nano, vim, htop: the alternate screen) gets
 * plain Ctrl+K / Ctrl+F / Ctrl+, itself (nano cuts a line with ^K, vim pages with ^F); ⌘ and
 * Ctrl+Shift still reach the workspace there.
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
  /** Focus is in a terminal running a full-screen program. */
  fullScreenApp?: boolean;
}

export function shortcutFor(e: KeyPress, ctx: ShortcutContext): Shortcut | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  if (ctx.fullScreenApp && !e.metaKey && !e.shiftKey) return null;
  const k = e.key.toLowerCase();
  if (k === 'k') return 'palette';
  if (k === 'f' && !e.shiftKey && !ctx.overlayOpen && !ctx.typing) return 'find';
  if (k === ',') return 'settings';
  return null;
}
