/**
 * Settings → Security: the one-time code at sign-in (#17). Says whether it is on, and lets the
 * owner turn it on (QR code and key for an authenticator app, the recovery codes to save, then
 * a first code the server must accept) or off (after a sheet asking for a current code or a
 * recovery code). The logic and the calls are in totpFlow.ts.
 *
 * Turning it on ends no login: this browser, and every other one signed in, stays in; the code
 * is asked at the next sign-in. The note shown after turning it on says so and points to "Sign
 * out everywhere" (DevicesSection, just below) for whoever wants every device to sign in again.
 */
import { type Signal, useSignal } from '@preact/signals';
import { type RefObject } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { request } from '../api';
import { errorText } from '../errorText';
import { Sheet } from '../ui/Sheet';
import { copyText } from './clipboard';
import { QrCode } from './QrCode';
import {
  beginSetup, confirmSetup, loadTotp, offCodeLooksRight, recoveryText, sixDigits, statusText, turnOff,
  type Loaded, type TotpSetup, type TotpState,
} from './totpFlow';
import './totp.css';

const send = request;

/** A copy button and, once pressed, what the copy did ("Key copied.", or how to copy by hand). */
function CopyRow(props: { label: string; text: string; done: string; byHand: string; shown: RefObject<HTMLElement | null> }) {
  const note = useSignal<string | null>(null);
  const copy = async () => {
    note.value = (await copyText(props.text, props.shown.current)) ? props.done : props.byHand;
  };
  return (
    <>
      <div class="totp-actions">
        <button type="button" class="btn" onClick={() => void copy()}>
          {props.label}
        </button>
      </div>
      {note.value && (
        <p class="muted totp-hint" role="status">
          {note.value}
        </p>
      )}
    </>
  );
}

function Enrol({ setup, onDone, onCancel }: { setup: TotpSetup; onDone: (s: TotpState) => void; onCancel: () => void }) {
  const ids = { key: useId(), code: useId(), codes: useId() };
  const keyInput = useRef<HTMLInputElement>(null);
  const codeList = useRef<HTMLOListElement>(null);
  const saved = useSignal(setup.recoveryCodes.length === 0);
  const code = useSignal('');
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy.value) return;
    busy.value = true;
    error.value = null;
    const out = await confirmSetup(send, setup, code.value);
    busy.value = false;
    if (out.ok) onDone(out.state);
    else {
      error.value = out.message;
      code.value = '';
    }
  };

  const ready = saved.value && sixDigits(code.value) !== null && !busy.value;
  return (
    <form class="totp-enrol" aria-label="Turn on the one-time code" onSubmit={(e) => void submit(e)}>
      <h5>1. Add TermBeam to an authenticator app</h5>
      <QrCode text={setup.uri} label="QR code for an authenticator app" />
      <p class="muted totp-hint">On this phone? Open it in the app, or copy the key and type it there.</p>
      <a class="btn totp-open" href={setup.uri}>
        Open in authenticator app
      </a>
      <div class="field">
        <label for={ids.key}>Key</label>
        <input id={ids.key} ref={keyInput} type="text" readOnly value={setup.secret} spellcheck={false} autocapitalize="off" onFocus={(e) => e.currentTarget.select()} />
      </div>
      <CopyRow label="Copy key" text={setup.secret} shown={keyInput} done="Key copied." byHand="Select the key above and copy it." />

      {setup.recoveryCodes.length > 0 && (
        <>
          <h5 id={ids.codes}>2. Save these recovery codes</h5>
          <p class="totp-hint">
            Each one signs you in once, instead of a code, if you lose this phone. They are shown only now: store them somewhere other than this phone.
          </p>
          <ol ref={codeList} class="totp-codes" aria-labelledby={ids.codes}>
            {setup.recoveryCodes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ol>
          <CopyRow
            label="Copy codes"
            text={recoveryText(setup.recoveryCodes)}
            shown={codeList}
            done="Recovery codes copied."
            byHand="The codes are selected: copy them."
          />
          <label class="toggle-row">
            <input type="checkbox" role="switch" checked={saved.value} onChange={(e) => (saved.value = e.currentTarget.checked)} />
            <span>I have saved the recovery codes</span>
          </label>
        </>
      )}

      <h5>{setup.recoveryCodes.length > 0 ? '3.' : '2.'} Type the code the app shows</h5>
      <CodeField id={ids.code} label="6-digit code" code={code} error={error.value} maxLength={7} numeric />
      {!saved.value && <p class="muted totp-hint">Save the recovery codes first.</p>}
      <div class="totp-actions">
        <button type="button" class="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" class="btn primary" disabled={!ready}>
          {busy.value ? 'Checking…' : 'Turn on'}
        </button>
      </div>
    </form>
  );
}

/** A field for a one-time (or recovery) code, with the server's refusal under it. */
function CodeField(props: {
  id: string;
  label: string;
  code: Signal<string>;
  error: string | null;
  maxLength: number;
  numeric?: boolean;
  autoFocus?: boolean;
}) {
  const { id, code, error } = props;
  return (
    <>
      <div class="field">
        <label for={id}>{props.label}</label>
        <input
          id={id}
          class="totp-code"
          type="text"
          inputMode={props.numeric ? 'numeric' : undefined}
          autoFocus={props.autoFocus}
          autocomplete="one-time-code"
          autocapitalize="off"
          spellcheck={false}
          maxLength={props.maxLength}
          aria-invalid={error ? true : undefined}
          value={code.value}
          onInput={(e) => (code.value = e.currentTarget.value)}
        />
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

/** The confirmation before turning it off, with the code the server asks for. */
function TurnOffSheet({ onClose, onOff }: { onClose: () => void; onOff: (s: TotpState) => void }) {
  const id = useId();
  const code = useSignal('');
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy.value) return;
    busy.value = true;
    error.value = null;
    const out = await turnOff(send, code.value);
    busy.value = false;
    if (out.ok) onOff(out.state);
    else {
      error.value = out.message;
      code.value = '';
    }
  };
  return (
    <Sheet title="Turn off the one-time code?" onClose={onClose} class="confirm-sheet">
      <form class="confirm-body" aria-label="Turn off the one-time code" onSubmit={(e) => void submit(e)}>
        <p>Sign-ins will ask for the password only. To confirm, type a current code from your authenticator app or one of your recovery codes.</p>
        <CodeField id={id} label="Code or recovery code" code={code} error={error.value} maxLength={24} autoFocus />
        <div class="confirm-actions">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn danger-fill" disabled={busy.value || !offCodeLooksRight(code.value)}>
            Turn off
          </button>
        </div>
      </form>
    </Sheet>
  );
}

export function TotpSection() {
  const loaded = useSignal<Loaded | null>(null);
  const setup = useSignal<TotpSetup | null>(null);
  const starting = useSignal(false);
  const error = useSignal<string | null>(null);
  const justOn = useSignal(false);
  const turningOff = useSignal(false);
  const reasonId = useId();

  useEffect(() => {
    loadTotp(send).then((l) => (loaded.value = l));
  }, []);

  const now = loaded.value;
  const update = (state: TotpState) => {
    if (now?.kind === 'ready') loaded.value = { ...now, state };
  };
  const start = async () => {
    starting.value = true;
    error.value = null;
    try {
      setup.value = await beginSetup(send);
    } catch (err) {
      error.value = errorText(err);
    } finally {
      starting.value = false;
    }
  };

  if (now === null) return null;
  return (
    <div class="totp" data-testid="totp-status">
      <h4>Two-step sign-in</h4>
      {now.kind === 'refused' && <p class="muted">{now.reason}</p>}
      {now.kind === 'failed' && (
        <p class="error" role="alert">
          {now.message}
        </p>
      )}
      {now.kind === 'ready' && (
        <>
          <p>
            One-time code at sign-in: <strong>{statusText(now.state)}</strong>
          </p>
          {justOn.value && now.state.enabled && (
            <p class="totp-note" role="status">
              It is on. This browser stays signed in, and so do your other signed-in devices: the code is asked at each new sign-in. To make every device sign
              in again with the code, use Sign out everywhere below.
            </p>
          )}
          {error.value && (
            <p class="error" role="alert">
              {error.value}
            </p>
          )}
          {now.state.enabled ? (
            <>
              {!justOn.value && <p class="muted totp-hint">Password sign-ins also ask for a 6-digit code from your authenticator app.</p>}
              <div class="totp-actions">
                <button type="button" class="btn danger" disabled={!now.access.can} onClick={() => (turningOff.value = true)}>
                  Turn off…
                </button>
              </div>
            </>
          ) : setup.value ? (
            <Enrol
              setup={setup.value}
              onCancel={() => (setup.value = null)}
              onDone={(state) => {
                setup.value = null;
                justOn.value = true;
                update(state);
              }}
            />
          ) : (
            <>
              <p class="muted totp-hint" id={reasonId}>
                {now.access.can
                  ? 'Recommended behind a tunnel: sign-ins then need a 6-digit code from an authenticator app as well as the password.'
                  : now.access.reason}
              </p>
              <div class="totp-actions">
                <button
                  type="button"
                  class="btn primary"
                  disabled={!now.access.can || starting.value}
                  aria-describedby={now.access.can ? undefined : reasonId}
                  onClick={() => void start()}
                >
                  {starting.value ? 'Starting…' : 'Turn on…'}
                </button>
              </div>
            </>
          )}
          {turningOff.value && (
            <TurnOffSheet
              onClose={() => (turningOff.value = false)}
              onOff={(state) => {
                turningOff.value = false;
                justOn.value = false;
                update(state);
              }}
            />
          )}
        </>
      )}
    </div>
  );
}
