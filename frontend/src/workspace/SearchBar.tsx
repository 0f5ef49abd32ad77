/**
 * Find in the terminal's scrollback (xterm SearchAddon): incremental as you type, regex and
 * case toggles, an "i of n" counter, Enter / Shift+Enter for next / previous, Esc to close.
 */
import { useSignal } from '@preact/signals';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { ISearchOptions, SearchAddon } from '@xterm/addon-search';
import type { TerminalView } from '../terminal/view';
import { activeTheme } from '../themes';

export function SearchBar({ view, onClose }: { view: TerminalView; onClose(): void }) {
  const query = useSignal('');
  const regex = useSignal(false);
  const caseSensitive = useSignal(false);
  const count = useSignal<{ index: number; total: number } | null>(null);
  const invalid = useSignal(false);
  const input = useRef<HTMLInputElement>(null);
  /** The addon once loaded (the first Find fetches it); typing before that is searched then. */
  const addon = useSignal<SearchAddon | null>(null);
  const failed = useSignal(false);

  // Before paint, so keys typed right after Ctrl+F land in the box, not in the terminal.
  useLayoutEffect(() => {
    input.current?.focus();
    input.current?.select();
    let live = true;
    let sub: { dispose(): void } | null = null;
    view
      .loadSearch()
      .then((a) => {
        if (!live) return;
        sub = a.onDidChangeResults(({ resultIndex, resultCount }) => {
          count.value = { index: resultIndex, total: resultCount };
        });
        addon.value = a;
        if (query.value) find('next', true);
      })
      .catch(() => {
        if (live) failed.value = true;
      });
    return () => {
      live = false;
      sub?.dispose();
      addon.peek()?.clearDecorations();
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
    const search = addon.peek();
    if (!search) return; // searched when the addon arrives
    const q = query.value;
    if (!q) {
      search.clearDecorations();
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
        search.clearDecorations();
        return;
      }
    }
    invalid.value = false;
    const found = dir === 'next' ? search.findNext(q, options(incremental)) : search.findPrevious(q, options(false));
    if (!found) count.value = { index: -1, total: 0 };
  };

  // The addon compares the new options with themselves (it stores them first), so a toggle
  // alone never re-highlights: drop its cached term to force a fresh search.
  const refind = () => {
    addon.peek()?.clearDecorations();
    find('next', true);
  };

  const close = () => {
    addon.peek()?.clearDecorations();
    onClose();
    view.focus();
  };

  const c = count.value;
  const counter = failed.value ? 'Find could not load: check the connection' : invalid.value ? 'Invalid regex' : !query.value || !c ? '' : c.total === 0 ? 'No results' : `${c.index + 1} of ${c.total}`;
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
        class={`btn icon toggle ws-search-opt${regex.value ? ' on' : ''}`}
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
        class={`btn icon toggle ws-search-opt${caseSensitive.value ? ' on' : ''}`}
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
      <button type="button" class="btn icon ws-search-nav" aria-label="Previous match" title="Previous (Shift+Enter)" onClick={() => find('prev')}>
        ↑
      </button>
      <button type="button" class="btn icon ws-search-nav" aria-label="Next match" title="Next (Enter)" onClick={() => find('next')}>
        ↓
      </button>
      <button type="button" class="btn icon ws-search-close" aria-label="Close find" title="Close (Esc)" onClick={close}>
        ×
      </button>
    </div>
  );
}
