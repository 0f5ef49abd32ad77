/**
 * File browser for a session: starts at the shell's live cwd, breadcrumbs and "up", folders
 * first, filter and hidden-files toggle. A file opens its actions: download (streamed with a
 * progress bar; files over 50 MB ask first), view (markdown in the viewer, other files in
 * the code viewer page) and insert its path into the terminal, shell-quoted.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';
import { useLazy } from '../ui/useLazy';
import { FolderPicker, useFolder, type Folder } from './Browser';
import type { FileEntry } from './fileApi';
import { DownloadStatus, FileActions } from './FileActions';
import { FilterField } from './FilterField';
import { dirnameRel, filterByName, joinAbs, joinRel, shellQuote } from './paths';
import { useDownload } from './useDownload';

export { CONFIRM_DOWNLOAD_ABOVE } from './useDownload';

function codeViewerUrl(sessionId: string, rel: string): string {
  return `/code/${encodeURIComponent(sessionId)}?file=${encodeURIComponent(rel)}`;
}

interface ToolsProps {
  folder: Folder;
  filter: { value: string };
  showHidden: { value: boolean };
}

function Tools({ folder, filter, showHidden }: ToolsProps) {
  return (
    <div class="fb-tools">
      <button type="button" class="btn icon" aria-label="Up one folder" title="Up one folder" disabled={!folder.rel} onClick={() => folder.open(dirnameRel(folder.rel))}>
        ↑
      </button>
      <FilterField label="Filter by name" filter={filter} />
      <label class="fb-toggle">
        <input type="checkbox" checked={showHidden.value} onChange={(e) => (showHidden.value = e.currentTarget.checked)} />
        Hidden
      </label>
      <button type="button" class="btn icon" aria-label="Refresh" title="Refresh" onClick={folder.reload}>
        ⟳
      </button>
    </div>
  );
}

export default function FilesPanel({ sessionId, onClose, send }: PanelProps) {
  const showHidden = useSignal(false);
  const filter = useSignal('');
  const selected = useSignal<string | null>(null);
  const markdown = useLazy(() => import('./MarkdownPanel').then((m) => m.default));
  const viewing = useSignal<string | null>(null);
  const folder = useFolder(sessionId, '', showHidden.value);
  const downloads = useDownload(sessionId);
  const { confirming, status } = downloads;

  // A new folder: nothing selected there yet.
  useEffect(() => {
    selected.value = null;
    confirming.value = null;
  }, [folder.rel]);

  const list = folder.listing;
  const entries = filterByName(folder.entries, filter.value);

  const openMarkdown = (rel: string) =>
    markdown.load().then(
      () => (viewing.value = rel),
      () => (status.value = { text: 'Could not load the markdown viewer', error: true }),
    );

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
  const rel = selectedEntry ? joinRel(folder.rel, selectedEntry.name) : '';
  const actions = selectedEntry && (
    <FileActions
      entry={selectedEntry}
      codeUrl={codeViewerUrl(sessionId, rel)}
      downloads={downloads}
      onDownload={() => void downloads.start(selectedEntry, rel)}
      onAskDownload={() => downloads.ask(selectedEntry, rel)}
      onView={() => void openMarkdown(rel)}
      onInsertPath={() => insertPath(selectedEntry)}
    />
  );

  const Viewer = markdown.value.value;
  return (
    <Sheet title="Files" onClose={onClose} class="fb-sheet">
      <Tools folder={folder} filter={filter} showHidden={showHidden} />
      <FolderPicker
        folder={folder}
        showLoading
        label={`Contents of ${folder.rel || list?.rootDir}`}
        entries={entries}
        onActivate={activate}
        expanded={selectedEntry?.name ?? null}
        detail={actions}
        empty={filter.value ? 'No names match the filter.' : 'This folder is empty.'}
      />
      {list?.truncated && <p class="muted">Only the first 1000 entries are shown.</p>}
      <DownloadStatus downloads={downloads} />
      {Viewer && viewing.value !== null && <Viewer sessionId={sessionId} send={send} file={viewing.value} onClose={() => (viewing.value = null)} />}
    </Sheet>
  );
}
