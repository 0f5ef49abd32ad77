/**
 * What the agent panels say after trying to start a session: the error, or that the session's
 * folder was gone so it started in the default folder (with a focused button to open it).
 */
import { useEffect, useRef } from 'preact/hooks';
import { openTerminal } from './actions';

/** A session that started, but not in the folder it asked for. */
export interface Moved {
  id: string;
  folder: string;
}

export function StartNotices({ error, moved }: { error: string | null; moved: Moved | null }) {
  return (
    <>
      {error && (
        <p class="ag-error" role="alert">
          {error}
        </p>
      )}
      {moved && <MovedNotice moved={moved} />}
    </>
  );
}

function MovedNotice({ moved }: { moved: Moved }) {
  const open = useRef<HTMLButtonElement>(null);
  // The notice replaces the tapped row: keep keyboard and screen reader users with it.
  useEffect(() => open.current?.focus(), [moved]);
  return (
    <div class="ag-notice" role="alert">
      <p>
        The folder <code>{moved.folder}</code> no longer exists here, so the session was started in the default
        folder instead.
      </p>
      <button ref={open} type="button" class="btn primary" onClick={() => openTerminal(moved.id)}>
        Open the terminal
      </button>
    </div>
  );
}
