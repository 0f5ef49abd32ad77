/**
 * Themes: each sets the UI's CSS variables and the xterm palette. `activeTheme` follows
 * prefs.themeId; `applyTheme` writes the variables to :root and the theme-color meta tag.
 * (Placeholder set: the full catalogue lands with the settings work of issue #8.)
 */
import { computed } from '@preact/signals';
import type { ITheme } from '@xterm/xterm';
import { prefs } from '../state/prefs';

export interface Theme {
  id: string;
  name: string;
  dark: boolean;
  /** UI colours, written as CSS variables (--bg, --panel, --panel-2, --border, --fg, --muted, --accent, --danger). */
  ui: { bg: string; panel: string; panel2: string; border: string; fg: string; muted: string; accent: string; danger: string };
  /** The terminal palette. */
  term: ITheme;
}

export const THEMES: Theme[] = [
  {
    id: 'dark',
    name: 'Dark',
    dark: true,
    ui: { bg: '#16181d', panel: '#1f232b', panel2: '#272c36', border: '#323845', fg: '#d8dee9', muted: '#8b93a3', accent: '#4a9eff', danger: '#f0616d' },
    term: { background: '#16181d', foreground: '#d8dee9', cursor: '#e5e9f0', selectionBackground: '#3b4252' },
  },
  {
    id: 'light',
    name: 'Light',
    dark: false,
    ui: { bg: '#f7f7f9', panel: '#ffffff', panel2: '#eceef2', border: '#d0d4dc', fg: '#1f2328', muted: '#5c6370', accent: '#0b62d6', danger: '#c4283a' },
    term: { background: '#ffffff', foreground: '#1f2328', cursor: '#1f2328', selectionBackground: '#b6d3ff' },
  },
];

export function themeById(id: string): Theme {
  return THEMES.find((t) => t.id === id) ?? THEMES[0];
}

export const activeTheme = computed(() => themeById(prefs.value.themeId));

export function applyTheme(theme: Theme): void {
  const root = document.documentElement.style;
  const u = theme.ui;
  const vars: Record<string, string> = {
    '--bg': u.bg, '--panel': u.panel, '--panel-2': u.panel2, '--border': u.border,
    '--fg': u.fg, '--muted': u.muted, '--accent': u.accent, '--danger': u.danger,
  };
  for (const [k, v] of Object.entries(vars)) root.setProperty(k, v);
  document.documentElement.style.colorScheme = theme.dark ? 'dark' : 'light';
  document.querySelector('meta[name="theme-color"]')?.setAttribute('content', u.bg);
}
