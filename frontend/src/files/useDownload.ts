/**
 * Downloads from the files panel: one at a time, streamed with progress, cancellable, large
 * files confirmed first; the outcome lands in the panel's status line.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { ApiError } from '../api';
import { errorText } from '../errorText';
import { downloadBlob, fileUrl, saveBlob, type FileEntry } from './fileApi';
import { formatSize } from './paths';

/** Downloads above this size ask for confirmation first (they are held in memory). */
export const CONFIRM_DOWNLOAD_ABOVE = 50 * 1024 * 1024;

export interface Download {
  name: string;
  received: number;
  total: number | null;
  abort: AbortController;
}

export interface Status {
  text: string;
  error?: boolean;
}

export function useDownload(sessionId: string) {
  const confirming = useSignal<FileEntry | null>(null);
  const download = useSignal<Download | null>(null);
  const status = useSignal<Status | null>(null);

  useEffect(() => () => download.value?.abort.abort(), []);

  /** Download `entry`, found at root-relative `rel`. */
  const start = async (entry: FileEntry, rel: string) => {
    confirming.value = null;
    download.value?.abort.abort();
    const abort = new AbortController();
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
      else status.value = { text: errorText(err, 'Download failed', ApiError), error: true };
    } finally {
      if (download.value?.abort === abort) download.value = null;
    }
  };

  /** Download at once, or ask first when the file is big. */
  const ask = (entry: FileEntry, rel: string) => {
    if (entry.size > CONFIRM_DOWNLOAD_ABOVE) confirming.value = entry;
    else void start(entry, rel);
  };

  return { confirming, download, status, start, ask };
}

export type Downloads = ReturnType<typeof useDownload>;
