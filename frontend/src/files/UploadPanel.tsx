/**
 * Upload files into a folder of the session (default: its live cwd). Files are picked or
 * dropped, checked against the server's limit before anything is sent, then uploaded two at
 * a time with XHR so each gets a real progress bar and its own Cancel. A finished file shows
 * the path the server saved it under (renamed on a clash) with "Insert path".
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';
import { useFolder } from './Browser';
import { DestinationPicker } from './DestinationPicker';
import { formatSize } from './paths';
import { UPLOAD_MAX } from './upload';
import { UploadList } from './UploadList';
import { useUploads } from './useUploads';

/** Dragging files in needs a mouse or trackpad; a touch screen only picks them. */
function canDrop(): boolean {
  return typeof matchMedia !== 'function' || !matchMedia('(pointer: coarse)').matches;
}

function DropZone({ onFiles }: { onFiles: (files: FileList | null) => void }) {
  const dragging = useSignal(false);
  const input = useRef<HTMLInputElement>(null);
  return (
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
      onDrop={(e) => {
        e.preventDefault();
        dragging.value = false;
        onFiles(e.dataTransfer?.files ?? null);
      }}
    >
      <input
        ref={input}
        class="sr-only"
        tabIndex={-1}
        aria-hidden="true"
        type="file"
        multiple
        onChange={(e) => {
          onFiles(e.currentTarget.files);
          e.currentTarget.value = '';
        }}
      />
      <button type="button" class="btn primary" onClick={() => input.current?.click()}>
        Choose files
      </button>
      <span class="muted">
        {canDrop() ? 'or drop them here · max' : 'Up to'} {formatSize(UPLOAD_MAX)} each
      </span>
    </div>
  );
}

export default function UploadPanel({ sessionId, onClose, send }: PanelProps) {
  const target = useSignal('');
  const cwd = useSignal<string | null>(null);
  const picking = useSignal(false);
  const root = useFolder(sessionId);
  const uploads = useUploads(sessionId);

  useEffect(() => {
    if (root.listing && cwd.value === null) cwd.value = root.listing.base;
  }, [root.listing]);

  const destination = target.value || cwd.value || 'the session folder';
  const list = uploads.items.value;
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
        <DestinationPicker
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
      <DropZone onFiles={(files) => uploads.add(files, target.value)} />
      {list.length > 0 && <UploadList items={list} onCancel={uploads.cancel} onClearFinished={uploads.clearFinished} send={send} />}
    </Sheet>
  );
}
