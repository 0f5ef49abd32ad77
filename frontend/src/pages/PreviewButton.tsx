/**
 * Top-bar "Preview" button with a small dialog: pick a local port (pre-filled from the last
 * `http://localhost:<port>` the session printed) and open it through the server's preview proxy.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useId, useLayoutEffect, useRef } from 'preact/hooks';
import { api } from '../api';
import { parsePort, previewOpenUrl } from '../preview';

export function PreviewButton({ sessionId, openRequest = 0 }: { sessionId: string; openRequest?: number }) {
  const open = useSignal(false);
  const port = useSignal('');
  const error = useSignal<string | null>(null);
  const detecting = useSignal(false);
  const wrap = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const openBtn = useRef<HTMLButtonElement>(null);
  const generation = useRef(0);
  const edited = useRef(false);
  const id = useId();
  const titleId = `${id}-title`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;

  const close = (refocus: boolean) => {
    open.value = false;
    generation.current++;
    if (refocus) trigger.current?.focus();
  };

  const show = () => {
    const gen = ++generation.current;
    open.value = true;
    port.value = '';
    error.value = null;
    edited.current = false;
    detecting.value = true;
    api
      .detectPort(sessionId)
      .then((r) => {
        if (gen === generation.current && !edited.current && r.detected) port.value = String(r.port);
      })
      .catch(() => {})
      .finally(() => gen === generation.current && (detecting.value = false));
  };

  // The tools palette's "Preview port" command opens the dialog by bumping openRequest.
  useEffect(() => {
    if (openRequest > 0 && !open.value) show();
  }, [openRequest]);

  // Focus moves into the dialog (the Open button on touch, so the soft keyboard stays down),
  // before paint: an Esc pressed the moment it shows must reach its handler.
  useLayoutEffect(() => {
    if (!open.value) return;
    const coarse = window.matchMedia('(pointer: coarse)').matches;
    (coarse ? openBtn.current : input.current)?.focus();
    const outside = (e: PointerEvent) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) close(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open.value]);

  const submit = (e: Event) => {
    e.preventDefault();
    const p = parsePort(port.value);
    if (p === null) {
      error.value = 'Enter a port from 1 to 65535.';
      input.current?.focus();
      return;
    }
    error.value = null;
    // Synchronous, within the click: the server picks the origin and redirects the new tab.
    window.open(previewOpenUrl(p), '_blank', 'noopener');
    close(false);
  };

  return (
    <div class="preview-settings" ref={wrap}>
      <button
        type="button"
        class="btn"
        ref={trigger}
        title="Preview a dev server port"
        aria-haspopup="dialog"
        aria-expanded={open.value}
        onClick={() => (open.value ? close(false) : show())}
      >
        Preview
      </button>
      {open.value && (
        <div
          class="preview-panel"
          role="dialog"
          aria-labelledby={titleId}
          aria-describedby={hintId}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              close(true);
            }
          }}
        >
          <h2 id={titleId} class="preview-title">
            Preview a port
          </h2>
          <p id={hintId} class="muted preview-hint">
            Opens your dev server running on this machine
          </p>
          <form class="preview-form" onSubmit={submit} noValidate>
            <label class="preview-label">
              Port
              <input
                ref={input}
                type="text"
                inputMode="numeric"
                autoComplete="off"
                enterKeyHint="go"
                placeholder={detecting.value ? 'Detecting…' : 'e.g. 3000'}
                value={port.value}
                aria-invalid={error.value ? true : undefined}
                aria-describedby={error.value ? errorId : undefined}
                onInput={(e) => {
                  edited.current = true;
                  port.value = e.currentTarget.value;
                  if (error.value) error.value = null;
                }}
              />
            </label>
            <button type="submit" class="btn primary" ref={openBtn}>
              Open
            </button>
          </form>
          {error.value && (
            <p id={errorId} class="error preview-error" role="alert">
              {error.value}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
