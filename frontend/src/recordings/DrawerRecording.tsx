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

  const toggle = async () => {
    if (busy.value) return;
    const next = !on.value;
    busy.value = true;
    error.value = null;
    try {
      const s = await recordingsApi.setRecording(sessionId, next, next ? keys.value : undefined);
      on.value = s?.recording ?? next;
      if (s?.recordingInput !== undefined) keys.value = s.recordingInput;
    } catch (err) {
      error.value = errorText(err);
    } finally {
      busy.value = false;
    }
  };

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
      {/* Chosen before a recording starts: a running one keeps what it was started with. */}
      <label class="rec-keys">
        <input
          type="checkbox"
          checked={keys.value}
          disabled={on.value}
          aria-describedby={warnId}
          onChange={(e) => (keys.value = e.currentTarget.checked)}
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
