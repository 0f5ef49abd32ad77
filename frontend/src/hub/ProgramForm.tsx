/**
 * The new-session sheet's Program tab (#19): a command kept running in a folder, with its
 * restart policy and how many restarts a crash loop gets. The folder field and the sheet's
 * busy and error state are the Shell tab's.
 */
import { useSignal } from '@preact/signals';
import { errorText } from '../errorText';
import { deriveName } from './format';
import { FolderField, SheetFooter } from './FolderField';
import { metricsApi, type NewProgram, type RestartPolicy } from './metricsApi';
import { windowSize } from './size';
import type { NewSessionState } from './useNewSession';

const POLICIES: { value: RestartPolicy; label: string }[] = [
  { value: 'on-failure', label: 'When it fails' },
  { value: 'always', label: 'Always' },
  { value: 'no', label: 'Never' },
];
/** The server's own default. */
export const DEFAULT_MAX_RESTARTS = 5;

export interface ProgramFormProps {
  ids: string;
  s: NewSessionState;
  onClose(): void;
  onCreated(id: string): void;
}

export function ProgramForm({ ids, s, onClose, onCreated }: ProgramFormProps) {
  const command = useSignal('');
  const name = useSignal('');
  const restart = useSignal<RestartPolicy>('on-failure');
  const maxRestarts = useSignal(String(DEFAULT_MAX_RESTARTS));

  const submit = async (e: Event) => {
    e.preventDefault();
    if (s.busy.value) return;
    const folder = s.cwd.value.trim();
    const body: NewProgram = {
      type: 'program',
      command: command.value.trim(),
      restart: restart.value,
      maxRestarts: Math.max(0, Math.floor(Number(maxRestarts.value) || 0)),
      ...windowSize(),
    };
    const finalName = name.value.trim() || deriveName(folder);
    if (finalName) body.name = finalName;
    if (folder) body.cwd = folder;
    s.busy.value = 'program';
    s.error.value = null;
    try {
      onCreated((await metricsApi.createProgram(body)).id);
    } catch (err) {
      s.error.value = errorText(err);
    } finally {
      s.busy.value = null;
    }
  };

  return (
    <form class="new-session" onSubmit={(e) => void submit(e)} aria-label="New program">
      <label>
        Command
        <input
          name="command"
          required
          placeholder="e.g. npm run dev"
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          value={command.value}
          onInput={(e) => (command.value = (e.target as HTMLInputElement).value)}
        />
      </label>
      <label>
        Name
        <input name="name" placeholder={deriveName(s.cwd.value) || 'optional'} autocomplete="off" value={name.value} onInput={(e) => (name.value = (e.target as HTMLInputElement).value)} />
      </label>
      <FolderField ids={`${ids}-program`} s={s} />
      <label>
        Restart policy
        <select name="restart" value={restart.value} onChange={(e) => (restart.value = (e.target as HTMLSelectElement).value as RestartPolicy)}>
          {POLICIES.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      {restart.value !== 'no' && (
        <label>
          Maximum restarts
          <input
            name="maxRestarts"
            type="number"
            inputMode="numeric"
            min={0}
            max={1000}
            required
            value={maxRestarts.value}
            onInput={(e) => (maxRestarts.value = (e.target as HTMLInputElement).value)}
          />
        </label>
      )}
      <SheetFooter s={s} kind="program" label="Start program" onClose={onClose} />
    </form>
  );
}
