/** The upload panel's queue: one row per file with its progress, state and result. */
import { basename, formatSize, shellQuote } from './paths';
import { percent } from './upload';
import { isActive, type Item, type Status } from './useUploads';

const STATUS_TEXT: Record<Status, string> = {
  queued: 'Waiting',
  uploading: 'Uploading',
  done: 'Uploaded',
  refused: 'Not sent',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

interface RowProps {
  it: Item;
  onCancel: (it: Item) => void;
  send: (data: string) => void;
}

function UploadRow({ it, onCancel, send }: RowProps) {
  const pct = it.status === 'done' ? 100 : percent(it.sent, it.file.size);
  return (
    <li class={`up-item ${it.status}`} data-name={it.file.name}>
      <div class="up-line">
        <span class="up-name">{it.file.name}</span>
        <span class="up-size muted">{formatSize(it.file.size)}</span>
        {isActive(it) && (
          <button type="button" class="btn" aria-label={`Cancel ${it.file.name}`} onClick={() => onCancel(it)}>
            Cancel
          </button>
        )}
      </div>
      {(it.status === 'uploading' || it.status === 'done') && <progress max={100} value={pct} aria-label={`Upload progress for ${it.file.name}`} />}
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
            <button type="button" class="btn" aria-label={`Insert path of ${it.result.name}`} onClick={() => it.result && send(shellQuote(it.result.path))}>
              Insert path
            </button>
          </>
        )}
      </div>
    </li>
  );
}

export function UploadList({ items, onCancel, onClearFinished, send }: { items: Item[]; onCancel: (it: Item) => void; onClearFinished: () => void; send: (data: string) => void }) {
  const finished = items.filter((it) => !isActive(it)).length;
  const done = items.filter((it) => it.status === 'done').length;
  return (
    <>
      <ul class="up-list" aria-label="Uploads">
        {items.map((it) => (
          <UploadRow key={it.id} it={it} onCancel={onCancel} send={send} />
        ))}
      </ul>
      <div class="up-summary">
        <span class="muted" role="status">
          {done} of {items.length} uploaded
        </span>
        {finished > 0 && (
          <button type="button" class="btn" onClick={onClearFinished}>
            Clear finished
          </button>
        )}
      </div>
    </>
  );
}
