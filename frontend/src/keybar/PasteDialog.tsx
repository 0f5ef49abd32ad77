/**
 * Where the clipboard cannot be read (permission denied, insecure origin), a box the user
 * pastes into with the system menu; Send types it into the terminal as a paste.
 */
import { useSignal } from '@preact/signals';
import { Sheet } from '../ui/Sheet';
import { sendPasteText, type PasteContext } from './paste';

export function PasteDialog({ ctx, onClose }: { ctx: PasteContext; onClose: () => void }) {
  const text = useSignal('');
  const submit = (e: Event) => {
    e.preventDefault();
    sendPasteText(text.value, ctx);
    onClose();
  };
  return (
    <Sheet title="Paste" onClose={onClose}>
      <form class="paste-form" onSubmit={submit}>
        <label for="kb-paste-text">The browser did not allow reading the clipboard. Paste here, then Send.</label>
        <textarea
          id="kb-paste-text"
          rows={5}
          autofocus
          value={text.value}
          onInput={(e) => (text.value = (e.target as HTMLTextAreaElement).value)}
        />
        <div class="paste-actions">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary" disabled={!text.value}>
            Send
          </button>
        </div>
      </form>
    </Sheet>
  );
}
