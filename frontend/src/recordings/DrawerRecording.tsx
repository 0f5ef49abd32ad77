/**
 * The session drawer's recording section (#19): a Record switch for the current session, the
 * separate "also record keystrokes" choice with its warning, and the way to its recordings.
 * Loaded with the drawer's first opening (lazy.tsx), not with the page.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useId } from 'preact/hooks';
import { errorText } from '../errorText';
import { recordingsApi } from './recordingsApi';
import './recordings.css';

export interface DrawerRecordingProps {
  sessionId: string;
  name: string;
  recording: boolean;
  recordingInput: boolean;
  /** Open the recordings list, filtered to this session. */
  onList(): void;
}

export default function DrawerRecording({ sessionId, name, recording, recordingInput, onList }: DrawerRecordingProps) {
  const on = useSignal(recording);
  const keys = useSignal(recordingInput);
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  const warnId = useId();

  // The list poll brings changes made elsewhere (another device, the CLI, --record).
  useEffect(() => {
    if (!busy.peek()) {
      on.value = recording;
      keys.value = recordingInput;
    }
  }, [sessionId, recording, recordingInput]);

  /** Send a change; the switches then show what the server answers. */
  const send = async (body: { recording?: boolean; recordInput?: boolean }) => {
    if (busy.value) return;
    busy.value = true;
    error.value = null;
    try {
      const s = await recordingsApi.patch(sessionId, body);
      on.value = s?.recording ?? body.recording ?? on.value;
      keys.value = s?.recordingInput ?? body.recordInput ?? keys.value;
    } catch (err) {
      error.value = errorText(err);
    } finally {
      busy.value = false;
    }
  };
  const toggle = () => send(on.value ? { recording: false } : { recording: true, recordInput: keys.value });

  return (
    <section class="drawer-rec" aria-label={`Recording ${name}`}>
      <label class="rec-switch">
        <input
          type="checkbox"
          role="switch"
          checked={on.value}
          // Not disabled while the server answers: a disabled control drops the focus, and
          // Esc would no longer reach the drawer.
          aria-busy={busy.value}
          onChange={(e) => {
            e.currentTarget.checked = on.value; // the server's answer decides
            void toggle();
          }}
        />
        <span>
          {on.value && <span class="rec-dot" aria-hidden="true" />} Record this session
        </span>
      </label>
      {/* Before a recording: what it starts with. During one: switched at once on the server. */}
      <label class="rec-keys">
        <input
          type="checkbox"
          checked={keys.value}
          aria-describedby={warnId}
          aria-busy={busy.value}
          onChange={(e) => {
            const want = e.currentTarget.checked;
            if (!on.value) keys.value = want;
            else {
              e.currentTarget.checked = keys.value;
              void send({ recordInput: want });
            }
          }}
        />
        <span>Also record keystrokes</span>
      </label>
      <p id={warnId} class={`rec-warn${keys.value ? ' on' : ''}`}>
        {keys.value ? '⚠ ' : ''}Keystrokes include passwords you type: they would be saved in the recording file.
      </p>
      <button type="button" class="btn rec-list-btn" onClick={onList}>
        Recordings of {name}
      </button>
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
    </section>
  );
}
