/**
 * A grid of theme swatches as one radio group: arrow keys, Home and End move the choice (and
 * apply it at once, as radio groups do), Tab leaves the group. Each swatch is a tiny terminal
 * drawn in that theme's own colours.
 */
import { useEffect, useRef } from 'preact/hooks';
import { prefs, updatePrefs } from '../state/prefs';
import { SYSTEM_THEME_ID, loadCatalogue, themeById, type Theme } from '../themes';
import { THEMES } from '../themes/palettes';

interface Choice {
  id: string;
  name: string;
  /** Swatch colours: one theme, or Dark and Light side by side for "system". */
  looks: Theme[];
}

const CHOICES: Choice[] = [
  { id: SYSTEM_THEME_ID, name: 'Match system', looks: [THEMES[0], THEMES[1]] },
  ...THEMES.map((t) => ({ id: t.id, name: t.name, looks: [t] })),
];

const DOTS = ['red', 'green', 'yellow', 'blue', 'magenta', 'cyan'] as const;

function Swatch({ theme }: { theme: Theme }) {
  const t = theme.term;
  return (
    <span class="swatch-half" style={{ background: t.background, color: t.foreground }}>
      <span class="swatch-line">
        <span style={{ color: t.green }}>$</span> ls
      </span>
      <span class="swatch-dots">
        {DOTS.map((c) => (
          <span key={c} style={{ background: t[c] }} />
        ))}
      </span>
      <span class="swatch-bar" style={{ background: theme.ui.accent }} />
    </span>
  );
}

export function ThemePicker() {
  const group = useRef<HTMLDivElement>(null);
  // The catalogue came with this chunk: hand it to themeById, so a pick applies at once.
  useEffect(() => void loadCatalogue().catch(() => {}), []);
  const current = prefs.value.themeId;
  // Unknown or legacy ids show the theme they actually resolve to.
  const selected = current === SYSTEM_THEME_ID ? current : themeById(current).id;

  const choose = (index: number) => {
    const choice = CHOICES[(index + CHOICES.length) % CHOICES.length];
    updatePrefs({ themeId: choice.id });
    group.current?.querySelector<HTMLElement>(`[data-theme-id="${choice.id}"]`)?.focus();
  };

  const onKey = (e: KeyboardEvent) => {
    const index = CHOICES.findIndex((c) => c.id === selected);
    const moves: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (e.key in moves) choose(index + moves[e.key]);
    else if (e.key === 'Home') choose(0);
    else if (e.key === 'End') choose(CHOICES.length - 1);
    else return;
    e.preventDefault();
  };

  return (
    <div ref={group} class="theme-grid" role="radiogroup" aria-label="Theme" onKeyDown={onKey}>
      {CHOICES.map((c, i) => {
        const on = c.id === selected;
        return (
          <button
            key={c.id}
            type="button"
            role="radio"
            aria-checked={on}
            tabIndex={on ? 0 : -1}
            data-theme-id={c.id}
            class={`theme-swatch${on ? ' selected' : ''}`}
            onClick={() => choose(i)}
          >
            <span class="swatch-preview" aria-hidden="true">
              {c.looks.map((t) => (
                <Swatch key={t.id} theme={t} />
              ))}
            </span>
            <span class="swatch-name">{c.name}</span>
          </button>
        );
      })}
    </div>
  );
}
