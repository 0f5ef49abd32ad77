/** Placeholder: the new-session sheet (issue #8), opened from the hub and the terminal's tools. */
import { Sheet } from '../ui/Sheet';

export interface NewSessionSheetProps {
  onClose: () => void;
  /** Called with the new session's id once it exists. */
  onCreated: (id: string) => void;
  /** The current terminal's size, sent so the new PTY starts at the right size. */
  cols?: number;
  rows?: number;
}

export default function NewSessionSheet({ onClose }: NewSessionSheetProps) {
  return (
    <Sheet title="New session" onClose={onClose}>
      <p class="muted">Not available yet.</p>
    </Sheet>
  );
}
