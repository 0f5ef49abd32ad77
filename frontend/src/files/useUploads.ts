/**
 * The upload queue of the upload panel: files are checked against the server's limit when
 * added, then sent two at a time, each with its progress and its own cancel. Unmounting
 * stops whatever is still uploading.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../api';
import { errorText } from '../errorText';
import { uploadFile, type Uploaded } from './fileApi';
import { refusal } from './upload';

const PARALLEL = 2;

export type Status = 'queued' | 'uploading' | 'done' | 'refused' | 'failed' | 'cancelled';

export interface Item {
  id: number;
  file: File;
  /** Absolute destination folder ("" = the session cwd, resolved by the server). */
  target: string;
  status: Status;
  sent: number;
  result?: Uploaded;
  error?: string;
}

export const isActive = (it: Item) => it.status === 'queued' || it.status === 'uploading';

export function useUploads(sessionId: string) {
  const items = useSignal<Item[]>([]);
  const aborts = useRef(new Map<number, () => void>());
  const nextId = useRef(1);

  useEffect(() => () => aborts.current.forEach((abort) => abort()), []);

  const update = (id: number, patch: Partial<Item>) => {
    items.value = items.value.map((it) => (it.id === id ? { ...it, ...patch } : it));
  };

  const pump = () => {
    const running = items.value.filter((it) => it.status === 'uploading').length;
    const waiting = items.value.filter((it) => it.status === 'queued').slice(0, Math.max(0, PARALLEL - running));
    for (const it of waiting) start(it);
  };

  const start = (it: Item) => {
    update(it.id, { status: 'uploading', sent: 0 });
    const handle = uploadFile(sessionId, it.file, it.target, (sent) => update(it.id, { sent }));
    aborts.current.set(it.id, handle.abort);
    handle.done
      .then((result) => update(it.id, { status: 'done', sent: it.file.size, result }))
      .catch((err: unknown) => {
        const cancelled = err instanceof ApiError && err.status === 0 && err.message === 'Cancelled';
        const error = errorText(err, 'Upload failed', ApiError);
        update(it.id, cancelled ? { status: 'cancelled' } : { status: 'failed', error });
      })
      .finally(() => {
        aborts.current.delete(it.id);
        pump();
      });
  };

  /** Queue `files` for `target` (refusing those over the limit) and start what can start. */
  const add = (files: FileList | File[] | null, target: string) => {
    if (!files || files.length === 0) return;
    const added: Item[] = Array.from(files, (file) => {
      const why = refusal(file);
      return {
        id: nextId.current++,
        file,
        target,
        status: why ? 'refused' : 'queued',
        sent: 0,
        error: why ?? undefined,
      };
    });
    items.value = [...items.value, ...added];
    pump();
  };

  const cancel = (it: Item) => {
    if (it.status === 'uploading') aborts.current.get(it.id)?.();
    else if (it.status === 'queued') update(it.id, { status: 'cancelled' });
  };

  const clearFinished = () => {
    items.value = items.value.filter(isActive);
  };

  return { items, add, cancel, clearFinished };
}
