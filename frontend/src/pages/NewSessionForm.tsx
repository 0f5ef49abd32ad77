/** New-session form: name, shell (from /api/shells), folder, initial command → POST /api/sessions. */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { api, type NewSession, type ShellsResponse } from '../api';

/** A rough terminal size for the current window, so the shell starts close to its final size. */
export function estimateSize(width: number, height: number): { cols: number; rows: number } {
  const cols = Math.max(20, Math.min(500, Math.floor((width - 8) / 8.4)));
  const rows = Math.max(5, Math.min(200, Math.floor((height - 90) / 17)));
  return { cols, rows };
}

export function NewSessionForm({ onCancel }: { onCancel: () => void }) {
  const shells = useSignal<ShellsResponse | null>(null);
  const name = useSignal('');
  const shell = useSignal('');
  const cwd = useSignal('');
  const cmd = useSignal('');
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);

  useEffect(() => {
    api
      .shells()
      .then((r) => {
        shells.value = r;
        if (!shell.value) shell.value = r.default ?? '';
      })
      .catch((err: unknown) => (error.value = err instanceof Error ? err.message : String(err)));
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy.value) return;
    busy.value = true;
    error.value = null;
    const body: NewSession = estimateSize(window.innerWidth, window.innerHeight);
    if (name.value.trim()) body.name = name.value.trim();
    // Only send a shell the user picked: the server's default keeps its configured args.
    if (shell.value && shell.value !== shells.value?.default) body.shell = shell.value;
    if (cwd.value.trim()) body.cwd = cwd.value.trim();
    if (cmd.value.trim()) body.initialCommand = cmd.value.trim();
    try {
      const res = await api.createSession(body);
      location.href = res.url || `/terminal?id=${encodeURIComponent(res.id)}`;
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
      busy.value = false;
    }
  };

  const bind = (sig: { value: string }) => ({
    value: sig.value,
    onInput: (e: Event) => (sig.value = (e.target as HTMLInputElement).value),
  });

  const list = shells.value?.shells ?? [];
  return (
    <form class="new-session" onSubmit={submit} aria-label="New session">
      <label>
        Name
        <input name="name" placeholder="optional" autocomplete="off" {...bind(name)} />
      </label>
      <label>
        Shell
        <select name="shell" value={shell.value} onChange={(e) => (shell.value = (e.target as HTMLSelectElement).value)}>
          {!list.some((s) => s.path === shell.value) && <option value={shell.value}>{shell.value || 'default'}</option>}
          {list.map((s) => (
            <option key={s.path} value={s.path}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Folder
        <input name="cwd" placeholder={shells.value?.cwd ?? 'server default'} autocomplete="off" autocapitalize="off" spellcheck={false} {...bind(cwd)} />
      </label>
      <label>
        Initial command
        <input name="initialCommand" placeholder="optional" autocomplete="off" autocapitalize="off" spellcheck={false} {...bind(cmd)} />
      </label>
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
      <div class="row">
        <button type="button" class="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" class="btn primary" disabled={busy.value}>
          {busy.value ? 'Creating…' : 'Create'}
        </button>
      </div>
    </form>
  );
}
