/** The upload panel's "Change…": walk the session's folders and pick where files go. */
import { FolderPicker, useFolder } from './Browser';
import type { FileEntry } from './fileApi';
import { dirnameRel, joinRel } from './paths';

export interface DestinationPickerProps {
  sessionId: string;
  onPick: (abs: string) => void;
  onCancel: () => void;
}

export function DestinationPicker({ sessionId, onPick, onCancel }: DestinationPickerProps) {
  const folder = useFolder(sessionId);
  const list = folder.listing;
  const dirs = folder.entries.filter((e) => e.type === 'directory');
  return (
    <div class="up-picker" role="group" aria-label="Choose the destination folder">
      <FolderPicker
        folder={folder}
        label="Subfolders"
        entries={dirs}
        onActivate={(e: FileEntry) => folder.open(joinRel(folder.rel, e.name))}
        empty="No subfolders."
      />
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
