/**
 * Browse the server's folders (GET /api/dirs): breadcrumbs, an Up button and the subfolders of
 * the current folder. Opening a folder picks it (`onPick`), so the form's Folder field always
 * shows where the browser is. Keyboard: ↑/↓ move between folders, → or Enter opens, ← or
 * Backspace goes up.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { api } from '../api';
import { errorText } from '../errorText';
import { basename } from './format';
import { FolderIcon } from './icons';
import { crumbs, parentOf, withSep } from './paths';

export interface FolderBrowserProps {
  /** Where to start (the form's current folder); the server's default folder when empty. */
  start: string;
  onPick: (path: string) => void;
}

export function FolderBrowser({ start, onPick }: FolderBrowserProps) {
  const base = useSignal<string | null>(null);
  const dirs = useSignal<string[]>([]);
  const truncated = useSignal(false);
  const error = useSignal<string | null>(null);
  const loading = useSignal(false);
  const list = useRef<HTMLUListElement>(null);
  const seq = useRef(0);

  const load = async (path: string | null, focusList = false) => {
    const mine = ++seq.current;
    loading.value = true;
    try {
      const res = await api.dirs(path ? withSep(path) : undefined);
      if (mine !== seq.current) return;
      if (res.exists === false) {
        error.value = `Cannot open ${res.base}`;
        // A typed folder that does not exist: fall back to the server's default once.
        if (base.value === null && path) return void load(null);
        return;
      }
      error.value = null;
      const dir = res.base.length > 1 ? res.base.replace(/[\\/]+$/, '') || res.base : res.base;
      base.value = dir;
      dirs.value = res.dirs;
      truncated.value = res.truncated;
      if (focusList) requestAnimationFrame(() => list.current?.querySelector('button')?.focus());
    } catch (err) {
      if (mine === seq.current) error.value = errorText(err);
    } finally {
      if (mine === seq.current) loading.value = false;
    }
  };

  useEffect(() => void load(start.trim() || null), []);

  const go = (path: string, focusList = true) => {
    onPick(path);
    void load(path, focusList);
  };

  const onListKey = (e: KeyboardEvent) => {
    const items = Array.from(list.current?.querySelectorAll<HTMLButtonElement>('button') ?? []);
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = e.key === 'ArrowDown' ? Math.min(items.length - 1, i + 1) : Math.max(0, i - 1);
      items[next]?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      items[e.key === 'Home' ? 0 : items.length - 1]?.focus();
    } else if (e.key === 'ArrowRight' && i >= 0) {
      e.preventDefault();
      go(dirs.value[i]);
    } else if ((e.key === 'ArrowLeft' || e.key === 'Backspace') && base.value) {
      e.preventDefault();
      go(parentOf(base.value));
    }
  };

  const here = base.value;
  return (
    <div class="folder-browser" role="group" aria-label="Folder browser">
      <div class="fb-head">
        <button
          type="button"
          class="btn icon"
          aria-label="Up one folder"
          title="Up one folder"
          disabled={!here || parentOf(here) === here}
          onClick={() => here && go(parentOf(here), false)}
        >
          ↑
        </button>
        <nav class="fb-crumbs" aria-label="Folder path">
          {here &&
            crumbs(here).map((c, i, all) =>
              i === all.length - 1 ? (
                <span key={c.path} class="fb-crumb current" aria-current="location">
                  {c.label}
                </span>
              ) : (
                <button key={c.path} type="button" class="fb-crumb" onClick={() => go(c.path, false)}>
                  {c.label}
                </button>
              ),
            )}
        </nav>
      </div>
      {error.value && (
        <p class="error fb-error" role="alert">
          {error.value}
        </p>
      )}
      {here && !error.value && dirs.value.length === 0 && !loading.value && <p class="muted fb-empty">No subfolders here.</p>}
      <ul ref={list} class="fb-list" aria-label={here ? `Subfolders of ${basename(here) || here}` : 'Subfolders'} aria-busy={loading.value} onKeyDown={onListKey}>
        {dirs.value.map((d) => (
          <li key={d}>
            <button type="button" class="fb-item" onClick={() => go(d)}>
              <FolderIcon /> {basename(d)}
            </button>
          </li>
        ))}
      </ul>
      {truncated.value && <p class="muted fb-empty">Only the first 500 folders are listed; type a prefix to narrow.</p>}
    </div>
  );
}
