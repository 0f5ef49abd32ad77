/**
 * File browser for a session: starts at the shell's live cwd, breadcrumbs and "up", folders
 * first, filter and hidden-files toggle. A file opens its actions: download (streamed with a
 * progress bar; files over 50 MB ask first), view (markdown in the viewer, other files in
 * the code viewer page) and insert its path into the terminal, shell-quoted.
 */
import type { ComponentType } from 'preact';
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { ApiError } from '../api';
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';
import { Breadcrumbs, EntryList, useFolder } from './Browser';
import { downloadBlob, fileUrl, saveBlob, type FileEntry } from './fileApi';
import { dirnameRel, filterByName, formatSize, isMarkdown, joinAbs, joinRel, shellQuote } from './paths';
import { percent } from './upload';
import type { MarkdownPanelProps } from './MarkdownPanel';

/** Downloads above this size ask for confirmation first (they are held in memory). */
export const CONFIRM_DOWNLOAD_ABOVE = 50 * 1024 * 1024;

/** The code viewer reads files through file-content, which stops at 2 MiB. */
const CODE_VIEW_MAX = 2 * 1024 * 1024;

function codeViewerUrl(sessionId: string, rel: string): string {
  return `/code/${encodeURIComponent(sessionId)}?file=${encodeURIComponent(rel)}`;
}

interface Download {
  name: string;
  received: number;
  total: number | null;
  abort: AbortController;
}

export default function FilesPanel({ sessionId, onClose, send }: PanelProps) {
  const showHidden = useSignal(false);
  const filter = useSignal('');
  const selected = useSignal<string | null>(null);
  const confirming = useSignal<FileEntry | null>(null);
  const download = useSignal<Download | null>(null);
  const status = useSignal<{ text: string; error?: boolean } | null>(null);
  const viewer = useSignal<{ Comp: ComponentType<MarkdownPanelProps>; file: string } | null>(null);
  const folder = useFolder(sessionId, '', showHidden.value);

  // A new folder: nothing selected there yet.
  useEffect(() => {
    selected.value = null;
    confirming.value = null;
  }, [folder.rel]);
  useEffect(() => () => download.value?.abort.abort(), []);

  const list = folder.listing;
  const entries = filterByName(folder.entries, filter.value);

  const startDownload = async (entry: FileEntry) => {
    confirming.value = null;
    download.value?.abort.abort();
    const abort = new AbortController();
    const rel = joinRel(folder.rel, entry.name);
    download.value = { name: entry.name, received: 0, total: entry.size || null, abort };
    status.value = null;
    try {
      const blob = await downloadBlob(
        fileUrl('download', sessionId, rel),
        (received, total) => {
          if (download.value?.abort === abort) download.value = { ...download.value, received, total };
        },
        abort.signal,
      );
      saveBlob(blob, entry.name);
      status.value = { text: `Downloaded ${entry.name} (${formatSize(blob.size)})` };
    } catch (err) {
      if (abort.signal.aborted) status.value = { text: `Download of ${entry.name} cancelled` };
      else status.value = { text: err instanceof ApiError ? err.message : 'Download failed', error: true };
    } finally {
      if (download.value?.abort === abort) download.value = null;
    }
  };

  const askDownload = (entry: FileEntry) => {
    if (entry.size > CONFIRM_DOWNLOAD_ABOVE) confirming.value = entry;
    else void startDownload(entry);
  };

  const openMarkdown = async (rel: string) => {
    try {
      const mod = await import('./MarkdownPanel');
      viewer.value = { Comp: mod.default, file: rel };
    } catch {
      status.value = { text: 'Could not load the markdown viewer', error: true };
    }
  };

  const insertPath = (entry: FileEntry) => {
    if (!list) return;
    send(shellQuote(joinAbs(list.base, entry.name)));
    onClose();
  };

  const activate = (entry: FileEntry) => {
    if (entry.type === 'directory') {
      filter.value = '';
      folder.open(joinRel(folder.rel, entry.name));
    } else {
      selected.value = selected.value === entry.name ? null : entry.name;
      confirming.value = null;
    }
  };

  const selectedEntry = entries.find((e) => e.type === 'file' && e.name === selected.value) ?? null;
  const actions = selectedEntry && (
    <div class="fb-actions" role="group" aria-label={`Actions for ${selectedEntry.name}`}>
      {confirming.value?.name === selectedEntry.name ? (
        <>
          <span class="fb-confirm">
            {selectedEntry.name} is {formatSize(selectedEntry.size)}. Download anyway?
          </span>
          <button type="button" class="btn primary" onClick={() => void startDownload(selectedEntry)}>
            Download anyway
          </button>
          <button type="button" class="btn" onClick={() => (confirming.value = null)}>
            Cancel
          </button>
        </>
      ) : (
        <>
          <button type="button" class="btn primary" onClick={() => askDownload(selectedEntry)} disabled={!!download.value}>
            Download
          </button>
          {isMarkdown(selectedEntry.name) && (
            <button type="button" class="btn" onClick={() => void openMarkdown(joinRel(folder.rel, selectedEntry.name))}>
              View
            </button>
          )}
          {!isMarkdown(selectedEntry.name) && selectedEntry.size <= CODE_VIEW_MAX && (
            <a class="btn" href={codeViewerUrl(sessionId, joinRel(folder.rel, selectedEntry.name))}>
              Open in code viewer
            </a>
          )}
          <button type="button" class="btn" onClick={() => insertPath(selectedEntry)}>
            Insert path
          </button>
        </>
      )}
    </div>
  );

  const dl = download.value;
  const Viewer = viewer.value;
  return (
    <Sheet title="Files" onClose={onClose} class="fb-sheet">
      <div class="fb-tools">
        <button
          type="button"
          class="btn icon"
          aria-label="Up one folder"
          title="Up one folder"
          disabled={!folder.rel}
          onClick={() => folder.open(dirnameRel(folder.rel))}
        >
          ↑
        </button>
        <input
          class="fb-filter"
          type="search"
          placeholder="Filter"
          aria-label="Filter by name"
          value={filter.value}
          onInput={(e) => (filter.value = e.currentTarget.value)}
        />
        <label class="fb-toggle">
          <input type="checkbox" checked={showHidden.value} onChange={(e) => (showHidden.value = e.currentTarget.checked)} />
          Hidden
        </label>
        <button type="button" class="btn icon" aria-label="Refresh" title="Refresh" onClick={folder.reload}>
          ⟳
        </button>
      </div>
      {list && <Breadcrumbs rootDir={list.rootDir} rel={folder.rel} onOpen={(rel) => folder.open(rel)} />}
      {folder.error && (
        <p class="error" role="alert">
          {folder.error}
        </p>
      )}
      {!list && folder.loading && <p class="muted">Loading…</p>}
      {list && (
        <EntryList
          label={`Contents of ${folder.rel || list.rootDir}`}
          entries={entries}
          onActivate={activate}
          expanded={selectedEntry?.name ?? null}
          detail={actions}
          empty={filter.value ? 'No names match the filter.' : 'This folder is empty.'}
        />
      )}
      {list?.truncated && <p class="muted">Only the first 1000 entries are shown.</p>}
      <div class="fb-status">
        {dl && (
          <div class="fb-progress">
            <label>
              <span>
                Downloading {dl.name}
                {dl.total ? ` — ${percent(dl.received, dl.total)} %` : ` — ${formatSize(dl.received)}`}
              </span>
              <progress max={dl.total ? 100 : undefined} value={dl.total ? percent(dl.received, dl.total) : undefined} />
            </label>
            <button type="button" class="btn" onClick={() => dl.abort.abort()}>
              Cancel
            </button>
          </div>
        )}
        <p class={status.value?.error ? 'error' : 'muted'} role="status">
          {status.value?.text}
        </p>
      </div>
      {Viewer && <Viewer.Comp sessionId={sessionId} send={send} file={Viewer.file} onClose={() => (viewer.value = null)} />}
    </Sheet>
  );
}
