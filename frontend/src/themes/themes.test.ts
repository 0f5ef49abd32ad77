import { beforeAll, describe, expect, it } from 'vitest';
import { contrast, luminance, readableOn } from './contrast';
import { DARK, LIGHT } from './base';
import { SYSTEM_THEME_ID, catalogue, loadCatalogue, minimumContrastFor, themeById, themeVariables } from './index';
import { THEMES } from './palettes';

const ANSI = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'] as const;
const BRIGHT = ANSI.map((c) => `bright${c[0].toUpperCase()}${c.slice(1)}`);

describe('contrast maths', () => {
  it('matches the WCAG reference values', () => {
    expect(contrast('#000', '#fff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(luminance('#ffffff')).toBe(1);
    expect(readableOn('#ffd400')).toBe('#000000');
    expect(readableOn('#0000c8')).toBe('#ffffff');
  });
});

describe('theme catalogue', () => {
  it('has at least 38 themes with unique ids and names, dark and light', () => {
    expect(THEMES.length).toBeGreaterThanOrEqual(38);
    expect(new Set(THEMES.map((t) => t.id)).size).toBe(THEMES.length);
    expect(new Set(THEMES.map((t) => t.name)).size).toBe(THEMES.length);
    expect(THEMES.filter((t) => t.dark).length).toBeGreaterThanOrEqual(24);
    expect(THEMES.filter((t) => !t.dark).length).toBeGreaterThanOrEqual(12);
  });

  // The families people look for by name, each variant with the brightness its name promises.
  const FAMILIES: [string, boolean][] = [
    ['Dracula', true], ['Nord', true], ['Gruvbox Dark', true], ['Gruvbox Light', false],
    ['Catppuccin Latte', false], ['Catppuccin Frappé', true], ['Catppuccin Macchiato', true], ['Catppuccin Mocha', true],
    ['Tokyo Night', true], ['Tokyo Night Storm', true], ['Tokyo Night Day', false],
    ['One Dark', true], ['One Light', false], ['Solarized Dark', true], ['Solarized Light', false],
    ['GitHub Dark', true], ['GitHub Light', false], ['GitHub Dark Dimmed', true], ['Monokai', true],
    ['Rosé Pine', true], ['Rosé Pine Moon', true], ['Rosé Pine Dawn', false],
    ['Ayu Dark', true], ['Ayu Mirage', true], ['Ayu Light', false], ['Everforest', true], ['Everforest Light', false],
    ['Kanagawa', true], ['Night Owl', true], ['Material', true], ['Palenight', true], ['Tomorrow Night', true],
    ['Zenburn', true], ['Cobalt2', true],
  ];
  it.each(FAMILIES)('includes %s', (name, dark) => {
    const found = THEMES.find((t) => t.name === name);
    expect(found, name).toBeDefined();
    expect(found!.dark).toBe(dark);
  });

  for (const t of THEMES) {
    describe(t.name, () => {
      const u = t.ui;
      it('keeps UI text readable (fg ≥ 4.5:1, muted ≥ 3:1 on every surface)', () => {
        for (const surface of [u.bg, u.panel, u.panel2]) {
          expect(contrast(u.fg, surface), `fg on ${surface}`).toBeGreaterThanOrEqual(4.5);
          expect(contrast(u.muted, surface), `muted on ${surface}`).toBeGreaterThanOrEqual(3);
        }
      });
      it('has visible accent, danger and labels on filled buttons', () => {
        for (const surface of [u.bg, u.panel]) {
          expect(contrast(u.accent, surface), `accent on ${surface}`).toBeGreaterThanOrEqual(3);
          expect(contrast(u.danger, surface), `danger on ${surface}`).toBeGreaterThanOrEqual(3);
        }
        expect(contrast(readableOn(u.accent), u.accent)).toBeGreaterThanOrEqual(4.5);
      });
      it('matches its dark flag', () => {
        expect(luminance(u.bg) < 0.2).toBe(t.dark);
      });
      it('gives xterm a full palette with readable text', () => {
        const term = t.term as Record<string, string | undefined>;
        for (const key of ['background', 'foreground', 'cursor', 'cursorAccent', 'selectionBackground', ...ANSI, ...BRIGHT]) {
          expect(term[key], key).toMatch(/^#[0-9a-f]{6}$/);
        }
        expect(contrast(term.foreground!, term.background!)).toBeGreaterThanOrEqual(4.5);
        expect(contrast(term.cursor!, term.background!)).toBeGreaterThanOrEqual(1.5);
      });
    });
  }
});

describe('the catalogue off the first load', () => {
  it('starts with Dark and Light only, and a saved theme fetches the rest', async () => {
    expect(catalogue.value).toEqual([DARK, LIGHT]);
    expect(themeById('nord').id).toBe('dark'); // not here yet: Dark meanwhile...
    await loadCatalogue(); // ...the lookup started the fetch
    expect(catalogue.value).toBe(THEMES);
    expect(themeById('nord').id).toBe('nord');
  });
});

describe('theme lookup', () => {
  beforeAll(() => loadCatalogue());
  it('falls back to Dark and resolves the system theme', () => {
    expect(themeById('no-such-theme').id).toBe('dark');
    expect(themeById('catppuccin').id).toBe('catppuccin-mocha');
    expect(themeById('gruvbox').id).toBe('gruvbox-dark');
    expect(themeById(SYSTEM_THEME_ID, true).id).toBe('dark');
    expect(themeById(SYSTEM_THEME_ID, false).id).toBe('light');
  });
  it('derives every CSS variable', () => {
    const vars = themeVariables(themeById('nord'));
    expect(Object.keys(vars)).toEqual(expect.arrayContaining(['--bg', '--panel', '--panel-2', '--border', '--fg', '--muted', '--accent', '--danger', '--on-accent', '--term-bg']));
    expect(vars['--term-bg']).toBe('#2e3440');
  });
});

describe('terminal minimum contrast', () => {
  it('lifts light palettes to 4.5:1 and leaves dark ones as designed', () => {
    for (const t of THEMES) expect(minimumContrastFor(t)).toBe(t.dark ? 1 : 4.5);
    // Why: Solarized Light's bright blue (ls's bold directories) is under 3:1 on its background.
    const sol = themeById('solarized-light');
    expect(contrast(sol.term.brightBlue!, sol.term.background!)).toBeLessThan(3);
  });
});
