/**
 * "Delete …?" or "Close …?" asked in our own sheet instead of window.confirm(), which is
 * unstyled, blocks the page and reads like a browser warning. Cancel has the focus, so a stray
 * Enter keeps things. Used by the hub and the terminal workspace.
 */
import type { ComponentChildren } from 'preact';
import { Sheet } from './Sheet';

export interface ConfirmSheetProps {
  title: string;
  children: ComponentChildren;
  /** The destructive button's label ("Delete"). */
  confirm: string;
  onConfirm: () => void;
  onClose: () => void;
}

export function ConfirmSheet({ title, children, confirm, onConfirm, onClose }: ConfirmSheetProps) {
  return (
    <Sheet title={title} onClose={onClose} class="confirm-sheet">
      <div class="confirm-body">{children}</div>
      <div class="confirm-actions">
        <button type="button" class="btn" autoFocus onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          class="btn danger-fill"
          onClick={() => {
            onClose();
            onConfirm();
          }}
        >
          {confirm}
        </button>
      </div>
    </Sheet>
  );
}
