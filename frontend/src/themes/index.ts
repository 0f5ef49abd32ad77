/**
 * Themes: each sets the UI's CSS variables and the xterm palette. `activeTheme` follows
 * prefs.themeId ("system" follows the OS light/dark setting); `applyTheme` writes the
 * variables to :root and updates the theme-color and color-scheme meta tags.
 */
import { computed, signal } from '@preact/signals';
import { prefs } from '../state/prefs';
import { readableOn } from './contrast';
import { THEMES, type Theme } from './palettes';

export { THEMES, type Theme, type ThemeUi } from './palettes';

/** The pseudo theme that picks Dark or Light from `prefers-color-scheme`. */
export const SYSTEM_THEME_ID = 'system';

function mediaDark(): boolean {
  return typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)').matches : true;
}

/** Whether the OS asks for dark colours; kept current by a media-query listener. */
export const systemDark = signal(mediaDark());
if (typeof matchMedia === 'function') {
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', (e) => (systemDark.value = e.matches));
}

/** Ids the original TermBeam used for themes we name by variant. */
const ALIASES: Record<string, string> = { catppuccin: 'catppuccin-mocha', gruvbox: 'gruvbox-dark' };

/** The theme for an id; unknown ids fall back to Dark, "system" to Dark or Light. */
export function themeById(id: string, dark: boolean = systemDark.value): Theme {
  if (id === SYSTEM_THEME_ID) return themeById(dark ? 'dark' : 'light');
  const want = ALIASES[id] ?? id;
  return THEMES.find((t) => t.id === want) ?? THEMES[0];
}

export const activeTheme = computed(() => themeById(prefs.value.themeId, systemDark.value));

/**
 * The contrast xterm keeps between a cell's text and its background (it shifts a colour that
 * reads worse). Light palettes have ANSI colours near 3:1 on their background, such as
 * Solarized Light's bright blue, which is what `ls` draws directories in (bold blue): they get
 * WCAG AA's 4.5. Dark themes are drawn exactly as designed (1 turns the adjustment off).
 */
export function minimumContrastFor(theme: Theme): number {
  return theme.dark ? 1 : 4.5;
}

/** Every CSS variable a theme sets, derived colours included. */
export function themeVariables(theme: Theme): Record<string, string> {
  const u = theme.ui;
  const t = theme.term;
  return {
    '--bg': u.bg,
    '--panel': u.panel,
    '--panel-2': u.panel2,
    '--border': u.border,
    '--fg': u.fg,
    '--muted': u.muted,
    '--accent': u.accent,
    '--danger': u.danger,
    '--on-accent': readableOn(u.accent),
    '--on-danger': readableOn(u.danger),
    '--term-bg': t.background ?? u.bg,
    '--success': (theme.dark ? t.brightGreen : t.green) ?? u.accent,
    '--warning': (theme.dark ? t.brightYellow : t.yellow) ?? u.accent,
    '--shadow': theme.dark ? 'rgb(0 0 0 / 0.5)' : 'rgb(0 0 0 / 0.18)',
  };
}

export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  for (const [k, v] of Object.entries(themeVariables(theme))) root.style.setProperty(k, v);
  const scheme = theme.dark ? 'dark' : 'light';
  root.style.colorScheme = scheme;
  root.dataset.theme = theme.id;
  document.querySelector('meta[name="theme-color"]')?.setAttribute('content', theme.ui.panel);
  document.querySelector('meta[name="color-scheme"]')?.setAttribute('content', scheme);
}
