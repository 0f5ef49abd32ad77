/**
 * /login: password form → POST /api/auth (sets the HttpOnly cookie) → hub. Shows the server's
 * refusal inline: a wrong password, or the rate limit with a live "try again in N s".
 * Share links (`/?ott=…`) are handled by the server: a valid one is swapped for a cookie and
 * redirected to the hub; an expired or used one lands here.
 *
 * With the one-time code (TOTP) on, the server answers a password without a code with
 * 401 {error: "code required", totp: true} whatever the password, and the form then asks for
 * both; a failure says "password or code", never which (docs/security.md).
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { api } from '../api';
import './login.css';

/** Parse a Retry-After header (seconds or an HTTP date) into seconds; null when absent/bad. */
export function retryAfterSeconds(header: string | null, now: number = Date.now()): number | null {
  if (!header) return null;
  const n = Number(header);
  if (Number.isFinite(n)) return Math.max(0, Math.ceil(n));
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

type Outcome =
  | { ok: true }
  | { ok: false; status: number; message: string; retryAfter: number | null; totp: boolean };

async function signIn(password: string, code: string | null): Promise<Outcome> {
  let res: Response;
  try {
    res = await fetch('/api/auth', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(code === null ? { password } : { password, code }),
    });
  } catch {
    return { ok: false, status: 0, message: 'Cannot reach the server', retryAfter: null, totp: false };
  }
  if (res.ok) {
    // Read the reply to its end: navigating away mid-body aborts the request, which the
    // browser then lists as failed (ERR_ABORTED) after every good sign-in.
    await res.arrayBuffer().catch(() => undefined);
    return { ok: true };
  }
  let message = `Sign-in failed (${res.status})`;
  let totp = false;
  try {
    const body: unknown = await res.json();
    const fields = body && typeof body === 'object' ? (body as { error?: unknown; totp?: unknown }) : {};
    if (typeof fields.error === 'string' && fields.error) message = fields.error;
    totp = fields.totp === true;
  } catch {
    /* not JSON */
  }
  return { ok: false, status: res.status, message, retryAfter: retryAfterSeconds(res.headers.get('Retry-After')), totp };
}

export function Login() {
  const password = useSignal('');
  /** The one-time code step: null until the server asks for a code. */
  const code = useSignal<string | null>(null);
  /** Typing a recovery code (letters) instead of the 6 digits. */
  const recovery = useSignal(false);
  const codeInput = useRef<HTMLInputElement>(null);
  const reveal = useSignal(false);
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
  /** Epoch ms until which the server refuses attempts (429), or 0. */
  const lockedUntil = useSignal(0);
  const now = useSignal(Date.now());
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'TermBeam — Sign in';
    input.current?.focus();
    api
      .config()
      .then((c) => {
        if (!c.passwordRequired) location.href = '/';
      })
      .catch(() => {});
  }, []);

  useEffect(() => {
    if (lockedUntil.value <= Date.now()) return;
    const t = setInterval(() => {
      now.value = Date.now();
      if (now.value >= lockedUntil.value) {
        clearInterval(t);
        lockedUntil.value = 0;
        error.value = null;
      }
    }, 1000);
    return () => clearInterval(t);
  }, [lockedUntil.value]);

  const waitS = lockedUntil.value ? Math.max(0, Math.ceil((lockedUntil.value - now.value) / 1000)) : 0;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy.value || waitS > 0) return;
    busy.value = true;
    error.value = null;
    const out = await signIn(password.value, code.value);
    if (out.ok) {
      location.href = '/';
      return;
    }
    busy.value = false;
    if (out.status === 401 && out.totp) {
      // First time: the server wants a code (it has not said whether the password was right).
      if (code.value !== null) error.value = 'Incorrect password or code';
      code.value = '';
      requestAnimationFrame(() => codeInput.current?.focus());
      return;
    }
    if (out.status === 401) error.value = 'Incorrect password';
    else if (out.status === 429) {
      error.value = out.message;
      now.value = Date.now();
      lockedUntil.value = now.value + (out.retryAfter ?? 60) * 1000;
    } else error.value = out.message;
    password.value = '';
    if (code.value !== null) code.value = '';
    input.current?.focus();
  };

  return (
    <main class="login">
      <form class="login-card" onSubmit={submit} aria-label="Sign in to TermBeam">
        <h1 class="brand">TermBeam</h1>
        <p class="muted login-hint">Enter the password shown when the server started.</p>
        {/* Lets password managers pair the saved password with this server. */}
        <input class="sr-only" type="text" name="username" autocomplete="username" value="termbeam" readOnly tabIndex={-1} aria-hidden="true" />
        <label for="password">Password</label>
        <div class="pw-row">
          <input
            id="password"
            ref={input}
            // Preact's input types are split by `type`; both values accept the same attributes here.
            type={(reveal.value ? 'text' : 'password') as 'text'}
            name="password"
            autocomplete="current-password"
            autocapitalize="off"
            spellcheck={false}
            required
            aria-invalid={error.value ? true : undefined}
            aria-describedby={error.value ? 'login-error' : undefined}
            value={password.value}
            onInput={(e) => (password.value = (e.target as HTMLInputElement).value)}
          />
          <button
            type="button"
            class="btn pw-toggle"
            aria-controls="password"
            onClick={() => {
              reveal.value = !reveal.value;
              input.current?.focus();
            }}
          >
            {reveal.value ? 'Hide' : 'Show'}
            <span class="sr-only"> password</span>
          </button>
        </div>
        {code.value !== null && (
          <>
            <label for="code">{recovery.value ? 'Recovery code' : 'One-time code'}</label>
            <p class="muted login-hint login-code-hint" id="code-hint">
              {recovery.value
                ? 'One of the recovery codes shown when the code was turned on.'
                : 'The 6-digit code from your authenticator app.'}
            </p>
            <input
              id="code"
              ref={codeInput}
              class="login-code"
              type="text"
              name="code"
              inputMode={recovery.value ? 'text' : 'numeric'}
              autocomplete="one-time-code"
              autocapitalize="off"
              spellcheck={false}
              maxLength={recovery.value ? 24 : 8}
              required
              aria-describedby="code-hint"
              aria-invalid={error.value ? true : undefined}
              value={code.value}
              onInput={(e) => (code.value = (e.target as HTMLInputElement).value)}
            />
            <button
              type="button"
              class="btn login-recovery"
              onClick={() => {
                recovery.value = !recovery.value;
                code.value = '';
                codeInput.current?.focus();
              }}
            >
              {recovery.value ? 'Use the 6-digit code' : 'Use a recovery code'}
            </button>
          </>
        )}
        <button type="submit" class="btn primary" disabled={busy.value || waitS > 0}>
          {busy.value ? 'Signing in…' : 'Sign in'}
        </button>
        {error.value && (
          <p class="error" id="login-error" role="alert">
            {error.value}
          </p>
        )}
        {waitS > 0 && (
          <p class="muted login-wait" aria-live="polite">
            Try again in {waitS} s.
          </p>
        )}
      </form>
    </main>
  );
}
