/** Rename a session (PATCH /api/sessions/:id {name}). */
import { useSignal } from '@preact/signals';
import { api } from '../api';
import { errorText } from '../errorText';
import { Sheet } from '../ui/Sheet';

export function RenameSheet({ id, name, onClose, onRenamed }: { id: string; name: string; onClose(): void; onRenamed(name: string): void }) {
  const value = useSignal(name);
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const next = value.value.trim();
    if (!next) {
      error.value = 'Enter a name.';
      return;
    }
    busy.value = true;
    try {
      await api.updateSession(id, { name: next });
      onRenamed(next);
      onClose();
    } catch (err) {
      error.value = errorText(err, 'Could not rename the session');
    } finally {
      busy.value = false;
    }
  };

  return (
    <Sheet title="Rename session" onClose={onClose}>
      <form class="ws-rename" onSubmit={(e) => void submit(e)}>
        <label>
          Name
          <input
            type="text"
            autoFocus
            maxLength={100}
            value={value.value}
            aria-invalid={error.value ? true : undefined}
            onInput={(e) => (value.value = e.currentTarget.value)}
            onFocus={(e) => e.currentTarget.select()}
          />
        </label>
        {error.value && (
          <p class="error" role="alert">
            {error.value}
          </p>
        )}
        <button type="submit" class="btn primary" disabled={busy.value}>
          Save
        </button>
      </form>
    </Sheet>
  );
}
