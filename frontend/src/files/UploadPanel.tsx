/**
 * Upload files into a folder of the session (default: its live cwd). Files are picked or
 * dropped, checked against the server's limit before anything is sent, then uploaded two at
 * a time with XHR so each gets a real progress bar and its own Cancel. A finished file shows
 * the path the server saved it under (renamed on a clash) with "Insert path".
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../api';
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';
import { Breadcrumbs, EntryList, useFolder } from './Browser';
import { uploadFile, type FileEntry, type Uploaded } from './fileApi';
import { basename, dirnameRel, formatSize, joinRel, shellQuote } from './paths';
import { UPLOAD_MAX, percent, refusal } from './upload';

const PARALLEL = 2;

type Status = 'queued' | 'uploading' | 'done' | 'refused' | 'failed' | 'cancelled';

interface Item {
  id: number;
  file: File;
  /** Absolute destination folder ("" = the session cwd, resolved by the server). */
  target: string;
  status: Status;
  sent: number;
  result?: Uploaded;
  error?: string;
}

function FolderPicker({ sessionId, onPick, onCancel }: { sessionId: string; onPick: (abs: string) => void; onCancel: () => void }) {
  const folder = useFolder(sessionId);
  const list = folder.listing;
  const dirs = folder.entries.filter((e) => e.type === 'directory');
  return (
    <div class="up-picker" role="group" aria-label="Choose the destination folder">
      {list && <Breadcrumbs rootDir={list.rootDir} rel={folder.rel} onOpen={(rel) => folder.open(rel)} />}
      {folder.error && (
        <p class="error" role="alert">
          {folder.error}
        </p>
      )}
      {list && (
        <EntryList
          label="Subfolders"
          entries={dirs}
          onActivate={(e: FileEntry) => folder.open(joinRel(folder.rel, e.name))}
          empty="No subfolders."
        />
      )}
      <div class="row">
        <button type="button" class="btn" disabled={!folder.rel} onClick={() => folder.open(dirnameRel(folder.rel))}>
          Up
        </button>
        <button type="button" class="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" class="btn primary" disabled={!list} onClick={() => list && onPick(list.base)}>
          Upload here
        </button>
      </div>
    </div>
  );
}

const STATUS_TEXT: Record<Status, string> = {
  queued: 'Waiting',
  uploading: 'Uploading',
  done: 'Uploaded',
  refused: 'Not sent',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export default function UploadPanel({ sessionId, onClose, send }: PanelProps) {
  const items = useSignal<Item[]>([]);
  const target = useSignal('');
  const cwd = useSignal<string | null>(null);
  const picking = useSignal(false);
  const dragging = useSignal(false);
  const aborts = useRef(new Map<number, () => void>());
  const nextId = useRef(1);
  const input = useRef<HTMLInputElement>(null);
  const root = useFolder(sessionId);

  useEffect(() => {
    if (root.listing && cwd.value === null) cwd.value = root.listing.base;
  }, [root.listing]);
  // Closing the panel stops whatever is still uploading.
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
        const error = err instanceof ApiError ? err.message : 'Upload failed';
        update(it.id, cancelled ? { status: 'cancelled' } : { status: 'failed', error });
      })
      .finally(() => {
        aborts.current.delete(it.id);
        pump();
      });
  };

  const add = (files: FileList | File[] | null) => {
    if (!files || files.length === 0) return;
    const added: Item[] = Array.from(files, (file) => {
      const why = refusal(file);
      return {
        id: nextId.current++,
        file,
        target: target.value,
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
    items.value = items.value.filter((it) => it.status === 'queued' || it.status === 'uploading');
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    dragging.value = false;
    add(e.dataTransfer?.files ?? null);
  };

  const destination = target.value || cwd.value || 'the session folder';
  const list = items.value;
  const finished = list.filter((it) => it.status !== 'queued' && it.status !== 'uploading').length;
  const done = list.filter((it) => it.status === 'done').length;
  return (
    <Sheet title="Upload files" onClose={onClose} class="up-sheet">
      <div class="up-dest">
        <span class="muted">To</span>
        <code class="up-dest-path" title={destination}>
          {destination}
        </code>
        {!picking.value && (
          <button type="button" class="btn" onClick={() => (picking.value = true)} aria-label="Change destination folder">
            Change…
          </button>
        )}
      </div>
      {picking.value && (
        <FolderPicker
          sessionId={sessionId}
          onCancel={() => (picking.value = false)}
          onPick={(abs) => {
            target.value = abs === cwd.value ? '' : abs;
            picking.value = false;
          }}
        />
      )}
      {root.error && (
        <p class="error" role="alert">
          {root.error}
        </p>
      )}
      <div
        class={`up-drop${dragging.value ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          dragging.value = true;
        }}
        onDragLeave={(e) => {
          // Leaving for a child of the zone is not leaving the zone.
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) dragging.value = false;
        }}
        onDrop={onDrop}
      >
        <input
          ref={input}
          class="sr-only"
          tabIndex={-1}
          aria-hidden="true"
          type="file"
          multiple
          onChange={(e) => {
            add(e.currentTarget.files);
            e.currentTarget.value = '';
          }}
        />
        <button type="button" class="btn primary" onClick={() => input.current?.click()}>
          Choose files
        </button>
        <span class="muted">or drop them here · max {formatSize(UPLOAD_MAX)} each</span>
      </div>
      {list.length > 0 && (
        <>
          <ul class="up-list" aria-label="Uploads">
            {list.map((it) => {
              const pct = it.status === 'done' ? 100 : percent(it.sent, it.file.size);
              const active = it.status === 'queued' || it.status === 'uploading';
              return (
                <li key={it.id} class={`up-item ${it.status}`} data-name={it.file.name}>
                  <div class="up-line">
                    <span class="up-name">{it.file.name}</span>
                    <span class="up-size muted">{formatSize(it.file.size)}</span>
                    {active && (
                      <button type="button" class="btn" aria-label={`Cancel ${it.file.name}`} onClick={() => cancel(it)}>
                        Cancel
                      </button>
                    )}
                  </div>
                  {(it.status === 'uploading' || it.status === 'done') && (
                    <progress max={100} value={pct} aria-label={`Upload progress for ${it.file.name}`} />
                  )}
                  <div class="up-state">
                    <span class={it.error ? 'error' : 'muted'}>
                      {STATUS_TEXT[it.status]}
                      {it.status === 'uploading' ? ` — ${pct} %` : ''}
                      {it.error ? `: ${it.error}` : ''}
                    </span>
                    {it.result && (
                      <>
                        <span class="up-saved">
                          Saved to <code>{it.result.path}</code>
                          {basename(it.result.path) !== it.file.name ? ' (renamed: the name was taken)' : ''}
                        </span>
                        <button
                          type="button"
                          class="btn"
                          aria-label={`Insert path of ${it.result.name}`}
                          onClick={() => it.result && send(shellQuote(it.result.path))}
                        >
                          Insert path
                        </button>
                      </>
                    )}
                  </div>
                </li>
              );
            })}
          </ul>
          <div class="up-summary">
            <span class="muted" role="status">
              {done} of {list.length} uploaded
            </span>
            {finished > 0 && (
              <button type="button" class="btn" onClick={clearFinished}>
                Clear finished
              </button>
            )}
          </div>
        </>
      )}
    </Sheet>
  );
}
