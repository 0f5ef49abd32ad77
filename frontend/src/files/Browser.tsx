/**
 * Pieces the files, upload and markdown panels share: a folder-listing hook, breadcrumbs, a
 * keyboard-navigable entry list (arrow keys, Home/End move between rows) and the folder picker
 * that puts them together.
 */
import type { ComponentChildren } from 'preact';
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../api';
import { errorText } from '../errorText';
import { hiddenEntries, listFiles, type FileEntry, type Listing } from './fileApi';
import { breadcrumbs, formatModified, formatSize, relativeTo } from './paths';
import './files.css';

export interface Folder {
  /** The current folder, root-relative ("" = the session's live cwd). */
  rel: string;
  listing: Listing | null;
  entries: FileEntry[];
  error: string | null;
  loading: boolean;
  open: (rel: string) => void;
  reload: () => void;
}

function byKind(a: FileEntry, b: FileEntry): number {
  if (a.type !== b.type) return a.type === 'directory' ? -1 : 1;
  return a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });
}

/** The listing of one folder of a session, with optional dotfiles. */
export function useFolder(sessionId: string, initial = '', showHidden = false): Folder {
  const rel = useSignal(initial);
  const listing = useSignal<Listing | null>(null);
  const hidden = useSignal<FileEntry[]>([]);
  const error = useSignal<string | null>(null);
  const loading = useSignal(true);
  const token = useRef(0);

  const load = async (target: string) => {
    const mine = ++token.current; // a slow answer for a folder we already left is ignored
    loading.value = true;
    try {
      const [list, dots] = await Promise.all([
        listFiles(sessionId, target),
        showHidden ? hiddenEntries(sessionId, target).catch(() => []) : Promise.resolve([]),
      ]);
      if (mine !== token.current) return;
      listing.value = list;
      hidden.value = dots;
      rel.value = relativeTo(list.rootDir, list.base) ?? target;
      error.value = null;
    } catch (err) {
      if (mine === token.current) error.value = errorText(err, 'Something went wrong', ApiError);
    } finally {
      if (mine === token.current) loading.value = false;
    }
  };

  const shownFor = useRef(sessionId);
  useEffect(() => {
    // Another session (the workspace switched tabs): its folders are not ours; start over.
    const target = shownFor.current === sessionId ? rel.value : initial;
    shownFor.current = sessionId;
    void load(target);
  }, [sessionId, showHidden]);

  const list = listing.value;
  const entries = list ? (hidden.value.length ? [...list.entries, ...hidden.value].sort(byKind) : list.entries) : [];
  return {
    rel: rel.value,
    listing: list,
    entries,
    error: error.value,
    loading: loading.value,
    open: (target) => void load(target),
    reload: () => void load(rel.value),
  };
}

export function Breadcrumbs({ rootDir, rel, onOpen }: { rootDir: string; rel: string; onOpen: (rel: string) => void }) {
  const crumbs = breadcrumbs(rootDir, rel);
  return (
    <nav class="fb-crumbs" aria-label="Folder path">
      <ol>
        {crumbs.map((c, i) => {
          const last = i === crumbs.length - 1;
          return (
            <li key={c.rel}>
              <button
                type="button"
                class="fb-crumb"
                aria-current={last ? 'location' : undefined}
                title={i === 0 ? rootDir : c.rel}
                onClick={() => onOpen(c.rel)}
              >
                {c.label}
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/** Move focus between the rows of a list with the arrow keys, Home and End. */
function onListKey(e: KeyboardEvent) {
  const keys = ['ArrowDown', 'ArrowUp', 'Home', 'End'];
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  if (!keys.includes(e.key)) return;
  const list = e.currentTarget as HTMLElement;
  const rows = Array.from(list.querySelectorAll<HTMLElement>('[data-row]'));
  if (rows.length === 0) return;
  e.preventDefault();
  const at = rows.indexOf(document.activeElement as HTMLElement);
  let next = 0;
  if (e.key === 'End') next = rows.length - 1;
  else if (e.key === 'ArrowDown') next = at < 0 ? 0 : Math.min(rows.length - 1, at + 1);
  else if (e.key === 'ArrowUp') next = at < 0 ? 0 : Math.max(0, at - 1);
  rows[next].focus();
}

export interface EntryListProps {
  entries: FileEntry[];
  label: string;
  onActivate: (entry: FileEntry) => void;
  /** The entry whose extra content (actions) is open. */
  expanded?: string | null;
  /** Content under the expanded entry. */
  detail?: ComponentChildren;
  empty?: string;
  /** The entry being shown elsewhere (the open document). */
  current?: string | null;
}

export function EntryList({ entries, label, onActivate, expanded, detail, current, empty = 'This folder is empty.' }: EntryListProps) {
  const now = new Date();
  if (entries.length === 0) return <p class="muted fb-empty">{empty}</p>;
  return (
    <ul class="fb-list" aria-label={label} onKeyDown={onListKey}>
      {entries.map((e) => {
        const dir = e.type === 'directory';
        const when = formatModified(e.modified, now);
        const meta = dir ? when : [formatSize(e.size), when].filter(Boolean).join(' · ');
        const open = expanded === e.name;
        const shown = !dir && current === e.name;
        return (
          <li key={`${e.type}:${e.name}`} class={open || shown ? 'open' : undefined}>
            <button
              type="button"
              class="fb-row"
              data-row
              aria-expanded={dir || expanded === undefined ? undefined : open}
              aria-current={shown ? 'true' : undefined}
              aria-label={`${e.name}, ${dir ? 'folder' : 'file'}${meta ? `, ${meta}` : ''}`}
              onClick={() => onActivate(e)}
            >
              <span class={`fb-icon ${dir ? 'dir' : 'file'}`} aria-hidden="true" />
              <span class="fb-name">{e.name}</span>
              <span class="fb-meta" aria-hidden="true">
                {meta}
              </span>
            </button>
            {open && detail}
          </li>
        );
      })}
    </ul>
  );
}

export interface FolderPickerProps extends Omit<EntryListProps, 'entries' | 'label'> {
  folder: Folder;
  /** The rows to list: the folder's entries, filtered as the panel needs. */
  entries: FileEntry[];
  label: string;
  /** Say "Loading…" until the first listing arrives. */
  showLoading?: boolean;
}

/** A folder of the session to move around in: breadcrumbs, its error, and its entries. */
export function FolderPicker({ folder, entries, label, showLoading = false, ...list }: FolderPickerProps) {
  const listing = folder.listing;
  return (
    <>
      {listing && <Breadcrumbs rootDir={listing.rootDir} rel={folder.rel} onOpen={(rel) => folder.open(rel)} />}
      {folder.error && (
        <p class="error" role="alert">
          {folder.error}
        </p>
      )}
      {showLoading && !listing && folder.loading && <p class="muted">Loading…</p>}
      {listing && <EntryList label={label} entries={entries} {...list} />}
    </>
  );
}
