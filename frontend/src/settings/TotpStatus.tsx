/**
 * Settings → Security: whether password sign-ins ask for a one-time code (#17). Turning it on
 * or off is `termbeam totp enable|disable` on the server's machine: the QR code and recovery
 * codes are shown there, never sent to a browser that might be someone else's.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { request } from '../api';

interface TotpState {
  enabled: boolean;
  recoveryLeft: number;
}

export function TotpStatus() {
  const state = useSignal<TotpState | null>(null);
  useEffect(() => {
    request<TotpState>('/api/totp')
      .then((s) => (state.value = s))
      .catch(() => (state.value = null));
  }, []);
  const s = state.value;
  if (!s) return null;
  return (
    <div class="totp-status" data-testid="totp-status">
      <p>
        One-time code at sign-in: <strong>{s.enabled ? 'On' : 'Off'}</strong>
        {s.enabled && ` (${s.recoveryLeft} recovery code${s.recoveryLeft === 1 ? '' : 's'} left)`}
      </p>
      <p class="muted">
        {s.enabled
          ? 'Turn it off with termbeam totp disable on the server’s machine.'
          : 'Recommended behind a tunnel: turn it on with termbeam totp enable on the server’s machine.'}
      </p>
    </div>
  );
}
