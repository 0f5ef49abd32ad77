/**
 * Find in the terminal's scrollback (xterm SearchAddon): incremental as you type, regex and
 * case toggles, an "i of n" counter, Enter / Shift+Enter for next / previous, Esc to close.
 */
import { useSignal } from '@preact/signals';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { ISearchOptions } from '@xterm/addon-search';
import type { TerminalView } from '../terminal/view';
import { activeTheme } from '../themes';

export function SearchBar({ view, onClose }: { view: TerminalView; onClose(): void }) {
  const query = useSignal('');
  const regex = useSignal(false);
  const caseSensitive = useSignal(false);
  const count = useSignal<{ index: number; total: number } | null>(null);
  const invalid = useSignal(false);
  const input = useRef<HTMLInputElement>(null);

  // Before paint, so keys typed right after Ctrl+F land in the box, not in the terminal.
  useLayoutEffect(() => {
    input.current?.focus();
    input.current?.select();
    const sub = view.search.onDidChangeResults(({ resultIndex, resultCount }) => {
      count.value = { index: resultIndex, total: resultCount };
    });
    return () => {
      sub.dispose();
      view.search.clearDecorations();
    };
  }, [view]);

  const options = (incremental: boolean): ISearchOptions => {
    const ui = activeTheme.value.ui;
    return {
      regex: regex.value,
      caseSensitive: caseSensitive.value,
      incremental,
      // Decorations are what make the addon report result counts.
      decorations: {
        matchBackground: ui.panel2,
        matchBorder: ui.muted,
        matchOverviewRuler: ui.muted,
        activeMatchBackground: ui.accent,
        activeMatchBorder: ui.accent,
        activeMatchColorOverviewRuler: ui.accent,
      },
    };
  };

  const find = (dir: 'next' | 'prev', incremental = false) => {
    const q = query.value;
    if (!q) {
      view.search.clearDecorations();
      count.value = null;
      invalid.value = false;
      return;
    }
    if (regex.value) {
      try {
        new RegExp(q);
      } catch {
        invalid.value = true;
        count.value = null;
        view.search.clearDecorations();
        return;
      }
    }
    invalid.value = false;
    const found = dir === 'next' ? view.search.findNext(q, options(incremental)) : view.search.findPrevious(q, options(false));
    if (!found) count.value = { index: -1, total: 0 };
  };

  // The addon compares the new options with themselves (it stores them first), so a toggle
  // alone never re-highlights: drop its cached term to force a fresh search.
  const refind = () => {
    view.search.clearDecorations();
    find('next', true);
  };

  const close = () => {
    view.search.clearDecorations();
    onClose();
    view.focus();
  };

  const c = count.value;
  const counter = invalid.value ? 'Invalid regex' : !query.value || !c ? '' : c.total === 0 ? 'No results' : `${c.index + 1} of ${c.total}`;
  return (
    <div class="ws-search" role="search" aria-label="Find in terminal">
      <input
        ref={input}
        type="search"
        class="ws-search-input"
        aria-label="Find"
        placeholder="Find"
        autoComplete="off"
        spellcheck={false}
        value={query.value}
        aria-invalid={invalid.value || undefined}
        onInput={(e) => {
          query.value = e.currentTarget.value;
          find('next', true);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            find(e.shiftKey ? 'prev' : 'next');
          } else if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            close();
          }
        }}
      />
      <span class="ws-search-count" role="status" aria-live="polite">
        {counter}
      </span>
      <button
        type="button"
        class={`btn icon toggle${regex.value ? ' on' : ''}`}
        aria-pressed={regex.value}
        aria-label="Regular expression"
        title="Regular expression"
        onClick={() => {
          regex.value = !regex.value;
          refind();
        }}
      >
        .*
      </button>
      <button
        type="button"
        class={`btn icon toggle${caseSensitive.value ? ' on' : ''}`}
        aria-pressed={caseSensitive.value}
        aria-label="Match case"
        title="Match case"
        onClick={() => {
          caseSensitive.value = !caseSensitive.value;
          refind();
        }}
      >
        Aa
      </button>
      <button type="button" class="btn icon" aria-label="Previous match" title="Previous (Shift+Enter)" onClick={() => find('prev')}>
        ↑
      </button>
      <button type="button" class="btn icon" aria-label="Next match" title="Next (Enter)" onClick={() => find('next')}>
        ↓
      </button>
      <button type="button" class="btn icon" aria-label="Close find" title="Close (Esc)" onClick={close}>
        ×
      </button>
    </div>
  );
}
