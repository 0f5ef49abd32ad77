/**
 * Themes: each sets the UI's CSS variables and the xterm palette. `activeTheme` follows
 * prefs.themeId ("system" follows the OS light/dark setting); `applyTheme` writes the
 * variables to :root and updates the theme-color and color-scheme meta tags.
 *
 * Only Dark and Light are on the first load; the rest of the catalogue (palettes.ts) is a
 * chunk fetched when a saved theme or the picker needs it. The last applied theme is kept
 * whole in localStorage, so a returning browser starts in its theme with no flash.
 */
import { computed, signal } from '@preact/signals';
import { prefs } from '../state/prefs';
import { readableOn } from './contrast';
import { DARK, LIGHT, type Theme } from './base';

export type { Theme, ThemeUi } from './base';

/** Every theme once the catalogue chunk has arrived; Dark and Light until then. */
export const catalogue = signal<Theme[]>([DARK, LIGHT]);
let loading: Promise<Theme[]> | null = null;

/** Fetch the whole catalogue (once; a failed fetch is tried again on the next call). */
export function loadCatalogue(): Promise<Theme[]> {
  loading ??= import('./palettes').then(
    ({ THEMES }) => (catalogue.value = THEMES),
    (err: unknown) => {
      loading = null;
      throw err;
    },
  );
  return loading;
}

const CACHE_KEY = 'termbeam-theme';
const HEX = /^#[0-9a-f]{3,8}$/i;

/** The theme applied last in this browser, if it is still well formed. */
function cachedTheme(): Theme | null {
  try {
    const t = JSON.parse(localStorage.getItem(CACHE_KEY) ?? 'null') as Theme | null;
    const colours = t && [...Object.values(t.ui ?? {}), ...Object.values(t.term ?? {})];
    if (!t || typeof t.id !== 'string' || typeof t.name !== 'string' || typeof t.dark !== 'boolean') return null;
    return colours && colours.length > 20 && colours.every((c) => typeof c === 'string' && HEX.test(c)) ? t : null;
  } catch {
    return null;
  }
}

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
  const list = catalogue.value;
  const hit = list.find((t) => t.id === want);
  if (hit) return hit;
  if (list.length > 2) return DARK; // an id no theme has (a removed one): Dark
  void loadCatalogue().catch(() => {}); // not here yet: the computed re-runs when it comes
  const cached = cachedTheme();
  return cached?.id === want ? cached : DARK;
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
  try {
    localStorage.setItem(CACHE_KEY, JSON.stringify(theme));
  } catch {
    /* private mode or full: the next start waits for the catalogue instead */
  }
}
