/**
 * Settings → Security: the signed-in devices (#18). Lists every login (browser, address, first
 * and last seen; this device marked), signs one out, signs this browser out, or every device
 * after our confirm sheet. Through /api/logins, /api/logout and /api/logout-all.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { request } from '../api';
import { errorText } from '../errorText';
import { ConfirmSheet } from '../ui/ConfirmSheet';

export interface Device {
  id: string;
  browser: string;
  address: string;
  /** Epoch seconds; null for logins kept from before the devices list. */
  firstSeen: number | null;
  lastSeen: number | null;
  current: boolean;
}

function when(seconds: number | null): string {
  if (seconds === null) return 'unknown';
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

async function signOut(path: '/api/logout' | '/api/logout-all'): Promise<void> {
  await request<unknown>(path, { method: 'POST' });
  location.href = '/login';
}

export function DevicesSection() {
  const devices = useSignal<Device[] | null>(null);
  const error = useSignal<string | null>(null);
  const everywhere = useSignal(false);

  const load = async () => {
    try {
      devices.value = (await request<{ logins: Device[] }>('/api/logins')).logins;
    } catch (e) {
      error.value = errorText(e);
    }
  };
  useEffect(() => void load(), []);

  const revoke = async (id: string) => {
    try {
      await request<void>(`/api/logins/${encodeURIComponent(id)}`, { method: 'DELETE' });
      await load();
    } catch (e) {
      error.value = errorText(e);
    }
  };

  return (
    <div class="devices">
      <h4 id="devices-title">Signed-in devices</h4>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {devices.value && devices.value.length === 0 && <p class="muted">No browser is signed in.</p>}
      {devices.value && devices.value.length > 0 && (
        <ul class="token-list" aria-labelledby="devices-title">
          {devices.value.map((d) => (
            <li class="token-row" key={d.id}>
              <div>
                <span class="token-name">
                  {d.browser}
                  {d.current && <span class="token-scope">this device</span>}
                </span>
                <span class="token-meta">{d.address || 'address unknown'}</span>
                <span class="token-meta">First seen: {when(d.firstSeen)}</span>
                <span class="token-meta">Last seen: {when(d.lastSeen)}</span>
              </div>
              {d.current ? (
                <button type="button" class="btn small" onClick={() => void signOut('/api/logout').catch((e) => (error.value = errorText(e)))}>
                  Sign out
                </button>
              ) : (
                <button type="button" class="btn small danger" aria-label={`Sign out ${d.browser} at ${d.address}`} onClick={() => void revoke(d.id)}>
                  Sign out
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <div class="devices-actions">
        <button type="button" class="btn danger" onClick={() => (everywhere.value = true)}>
          Sign out everywhere
        </button>
      </div>
      {everywhere.value && (
        <ConfirmSheet
          title="Sign out everywhere?"
          confirm="Sign out everywhere"
          onClose={() => (everywhere.value = false)}
          onConfirm={() => void signOut('/api/logout-all').catch((e) => (error.value = errorText(e)))}
        >
          <p>Every browser, this one included, has to sign in again with the password. Scripts using tokens are not affected.</p>
        </ConfirmSheet>
      )}
    </div>
  );
}
