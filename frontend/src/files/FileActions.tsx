/** The files panel's actions for the selected file, and its download progress and status line. */
import type { FileEntry } from './fileApi';
import { formatSize, isMarkdown } from './paths';
import { percent } from './upload';
import type { Downloads } from './useDownload';

/** The code viewer reads files through file-content, which stops at 2 MiB. */
const CODE_VIEW_MAX = 2 * 1024 * 1024;

export interface FileActionsProps {
  entry: FileEntry;
  /** The code viewer's address for this file. */
  codeUrl: string;
  downloads: Downloads;
  onDownload: () => void;
  onAskDownload: () => void;
  onView: () => void;
  onInsertPath: () => void;
}

export function FileActions({ entry, codeUrl, downloads, onDownload, onAskDownload, onView, onInsertPath }: FileActionsProps) {
  const { confirming, download } = downloads;
  return (
    <div class="fb-actions" role="group" aria-label={`Actions for ${entry.name}`}>
      {confirming.value?.name === entry.name ? (
        <>
          <span class="fb-confirm">
            {entry.name} is {formatSize(entry.size)}. Download anyway?
          </span>
          <button type="button" class="btn primary" onClick={onDownload}>
            Download anyway
          </button>
          <button type="button" class="btn" onClick={() => (confirming.value = null)}>
            Cancel
          </button>
        </>
      ) : (
        <>
          <button type="button" class="btn primary" onClick={onAskDownload} disabled={!!download.value}>
            Download
          </button>
          {isMarkdown(entry.name) && (
            <button type="button" class="btn" onClick={onView}>
              View
            </button>
          )}
          {!isMarkdown(entry.name) && entry.size <= CODE_VIEW_MAX && (
            <a class="btn" href={codeUrl}>
              Open in code viewer
            </a>
          )}
          <button type="button" class="btn" onClick={onInsertPath}>
            Insert path
          </button>
        </>
      )}
    </div>
  );
}

export function DownloadStatus({ downloads }: { downloads: Downloads }) {
  const dl = downloads.download.value;
  const status = downloads.status.value;
  return (
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
      <p class={status?.error ? 'error' : 'muted'} role="status">
        {status?.text}
      </p>
    </div>
  );
}
