/**
 * Which workspace-wide shortcut a key press is (⌘ or Ctrl+Shift + K palette, + F find, Ctrl/⌘+,
 * settings). Pure, so the rules are testable without a DOM; useShortcuts.ts wires it to the
 * window.
 *
 * In a terminal, plain Ctrl+K and Ctrl+F are the shell's (readline kills the line with ^K and
 * moves forward with ^F) unless the `ctrlShortcuts` setting gives them to us. A full-screen
 * program (nano, vim, htop: the alternate screen) always gets plain Ctrl+K / Ctrl+F / Ctrl+,
 * (nano cuts a line with ^K, vim pages with ^F). ⌘ and Ctrl+Shift reach the workspace
 * everywhere.
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
  /** Focus is in a terminal (its shell owns plain Ctrl+K / Ctrl+F unless `ctrlShortcuts`). */
  inTerminal?: boolean;
  /** The setting: plain Ctrl+K / Ctrl+F open ours in a shell too. */
  ctrlShortcuts?: boolean;
}

export function shortcutFor(e: KeyPress, ctx: ShortcutContext): Shortcut | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  const plainCtrl = !e.metaKey && !e.shiftKey;
  if (ctx.fullScreenApp && plainCtrl) return null;
  const k = e.key.toLowerCase();
  if (k === ',') return 'settings';
  if (plainCtrl && ctx.inTerminal && !ctx.ctrlShortcuts) return null;
  if (k === 'k') return 'palette';
  if (k === 'f' && !ctx.overlayOpen && !ctx.typing) return 'find';
  return null;
}

/** How a shortcut letter is written in hints: ⌘K on a Mac, else Ctrl+K or Ctrl+Shift+K. */
export function shortcutLabel(letter: string, o: { mac: boolean; ctrlShortcuts: boolean }): string {
  if (o.mac) return `⌘${letter}`;
  return o.ctrlShortcuts ? `Ctrl+${letter}` : `Ctrl+Shift+${letter}`;
}
