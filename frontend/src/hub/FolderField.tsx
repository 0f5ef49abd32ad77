/** The new-session sheet's Folder field: typed with autocomplete, or picked in the folder browser. */
import { FolderBrowser } from './FolderBrowser';
import type { NewSessionState } from './useNewSession';

export function FolderField({ ids, s }: { ids: string; s: NewSessionState }) {
  const { cwd, shells, browsing } = s;
  return (
    <div class="ns-folder">
      <label for={`${ids}-cwd`}>Folder</label>
      <div class="ns-folder-row">
        <input
          id={`${ids}-cwd`}
          name="cwd"
          list={`${ids}-dirs`}
          placeholder={shells.value?.cwd ?? 'server default'}
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          value={cwd.value}
          onInput={(e) => {
            const v = (e.target as HTMLInputElement).value;
            s.setFolder(v);
            s.suggest(v);
          }}
        />
        <button
          type="button"
          class="btn"
          aria-expanded={browsing.value}
          aria-controls={`${ids}-browser`}
          onClick={() => (browsing.value = !browsing.value)}
        >
          {browsing.value ? 'Hide folders' : 'Browse…'}
        </button>
      </div>
      <datalist id={`${ids}-dirs`}>
        {s.suggestions.value.map((d) => (
          <option key={d} value={d} />
        ))}
      </datalist>
      {browsing.value && (
        <div id={`${ids}-browser`}>
          <FolderBrowser start={cwd.value || shells.value?.cwd || ''} onPick={s.setFolder} />
        </div>
      )}
    </div>
  );
}

/** A server error, shown in either tab; the form keeps what was typed. */
export function SheetError({ s }: { s: NewSessionState }) {
  return s.error.value ? (
    <p class="error ns-error" role="alert">
      {s.error.value}
    </p>
  ) : null;
}

/** The sheet's error and its Cancel / submit row, shared by the shell and program forms; the
 * submit button says `busyLabel` while this form's request (`kind`) is on its way. */
export function SheetFooter({ s, kind, label, onClose }: { s: NewSessionState; kind: string; label: string; onClose: () => void }) {
  return (
    <>
      <SheetError s={s} />
      <div class="row ns-actions">
        <button type="button" class="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" class="btn primary" disabled={s.busy.value !== null}>
          {s.busy.value === kind ? 'Starting…' : label}
        </button>
      </div>
    </>
  );
}
