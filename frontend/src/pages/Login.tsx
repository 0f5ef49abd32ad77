/** /login: password form → POST /api/auth (sets the HttpOnly cookie) → hub. */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, api } from '../api';

export function Login() {
  const password = useSignal('');
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
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

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy.value) return;
    busy.value = true;
    error.value = null;
    try {
      await api.login(password.value);
      location.href = '/';
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) error.value = 'Incorrect password';
      else error.value = err instanceof Error ? err.message : String(err);
      password.value = '';
      input.current?.focus();
    } finally {
      busy.value = false;
    }
  };

  return (
    <main class="login">
      <form class="login-card" onSubmit={submit}>
        <h1 class="brand">TermBeam</h1>
        {/* Lets password managers pair the saved password with this server. */}
        <input class="sr-only" type="text" name="username" autocomplete="username" value="termbeam" readOnly tabIndex={-1} aria-hidden="true" />
        <label for="password">Password</label>
        <input
          id="password"
          ref={input}
          type="password"
          name="password"
          autocomplete="current-password"
          required
          value={password.value}
          onInput={(e) => (password.value = (e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="btn primary" disabled={busy.value}>
          {busy.value ? 'Signing in…' : 'Sign in'}
        </button>
        {error.value && (
          <p class="error" role="alert">
            {error.value}
          </p>
        )}
      </form>
    </main>
  );
}
