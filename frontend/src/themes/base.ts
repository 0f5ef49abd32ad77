/**
 * What a theme is, how one is written down, and the two every first visit needs (Dark and
 * Light). The other themes are in palettes.ts, a chunk loaded when one of them is picked or
 * the picker opens, so they stay off the first load.
 */
import type { ITheme } from '@xterm/xterm';

export interface ThemeUi {
  bg: string;
  panel: string;
  panel2: string;
  border: string;
  fg: string;
  muted: string;
  accent: string;
  danger: string;
}

export interface Theme {
  id: string;
  name: string;
  dark: boolean;
  /** UI colours, written as CSS variables (--bg, --panel, --panel-2, --border, --fg, --muted, --accent, --danger). */
  ui: ThemeUi;
  /** The terminal palette: background, foreground, cursor, selection and the 16 ANSI colours. */
  term: ITheme;
}

/** black, red, green, yellow, blue, magenta, cyan, white, then the eight bright variants. */
export type Ansi = [string, string, string, string, string, string, string, string, string, string, string, string, string, string, string, string];

export interface TermBase {
  bg: string;
  fg: string;
  cursor: string;
  selection: string;
}

function term({ bg, fg, cursor, selection }: TermBase, a: Ansi): ITheme {
  return {
    background: bg, foreground: fg, cursor, cursorAccent: bg, selectionBackground: selection,
    black: a[0], red: a[1], green: a[2], yellow: a[3], blue: a[4], magenta: a[5], cyan: a[6], white: a[7],
    brightBlack: a[8], brightRed: a[9], brightGreen: a[10], brightYellow: a[11],
    brightBlue: a[12], brightMagenta: a[13], brightCyan: a[14], brightWhite: a[15],
  };
}

export function theme(id: string, name: string, dark: boolean, ui: ThemeUi, base: TermBase, ansi: Ansi): Theme {
  return { id, name, dark, ui, term: term(base, ansi) };
}

export const DARK: Theme = theme(
  'dark', 'Dark', true,
  { bg: '#16181d', panel: '#1f232b', panel2: '#272c36', border: '#3a4150', fg: '#d8dee9', muted: '#8b93a3', accent: '#4a9eff', danger: '#f0616d' },
  { bg: '#16181d', fg: '#d8dee9', cursor: '#e5e9f0', selection: '#3b4a63' },
  ['#2a2f3a', '#f0616d', '#8fcf6a', '#e6c36a', '#4a9eff', '#c28cf0', '#4fc4cf', '#c8ced9',
    '#5c6577', '#ff7b85', '#a8e287', '#f5d68a', '#7ab8ff', '#d6a8ff', '#7adbe3', '#ffffff'],
);

export const LIGHT: Theme = theme(
  'light', 'Light', false,
  { bg: '#f7f7f9', panel: '#ffffff', panel2: '#eceef2', border: '#c9ced8', fg: '#1f2328', muted: '#5c6370', accent: '#0b62d6', danger: '#c4283a' },
  { bg: '#ffffff', fg: '#1f2328', cursor: '#1f2328', selection: '#b6d3ff' },
  ['#1f2328', '#c4283a', '#1a7f37', '#8a6100', '#0b62d6', '#8250df', '#1b7c83', '#6e7781',
    '#57606a', '#a40e26', '#116329', '#6b4b00', '#0550ae', '#6639ba', '#136061', '#8c959f'],
);
