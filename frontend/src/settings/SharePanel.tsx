/**
 * Share: a one-time login link (GET /api/share-token) as a QR code and a copyable URL, and
 * view-only links to one session (ViewLinks). The server picks the address other devices can
 * reach (tunnel, then LAN). The QR encoder loads only when this panel opens.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useId, useRef } from 'preact/hooks';
import { ApiError, request } from '../api';
import { errorText } from '../errorText';
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';
import { copyText } from './clipboard';
import { countdown, SHARE_TOKEN_SECONDS } from './logic';
import { QrCode } from './QrCode';
import { ViewLinks } from './ViewLinks';
import './settings.css';

/** Whether `url` names this computer only (127.0.0.0/8, ::1, localhost): another device that
 * opens it reaches itself, not this server. */
function loopbackOnly(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Said under a loopback link: the QR would send a phone to itself. */
function LoopbackNote({ url }: { url: string }) {
  if (!loopbackOnly(url)) return null;
  return (
    <p class="share-warning" role="note">
      This link points to <code>{new URL(url).host}</code>, which only this computer can open: a phone that scans it reaches
      itself, not this server. To use it from another device, restart the server with <code>termbeam --lan</code> (same
      network) or <code>termbeam --tunnel cloudflared</code> (anywhere; also <code>devtunnel</code>, <code>ngrok</code>,{' '}
      <code>ssh</code>).
    </p>
  );
}

export default function SharePanel({ onClose }: PanelProps) {
  const url = useSignal<string | null>(null);
  const issuedAt = useSignal(0);
  const now = useSignal(Date.now());
  const error = useSignal<string | null>(null);
  const noAuth = useSignal(false);
  const copyState = useSignal<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();

  const issue = async () => {
    error.value = null;
    copyState.value = null;
    try {
      const res = await request<{ url: string }>('/api/share-token');
      url.value = res.url;
      issuedAt.value = Date.now();
      now.value = Date.now();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) noAuth.value = true;
      else error.value = errorText(err);
    }
  };

  useEffect(() => {
    void issue();
    const tick = setInterval(() => (now.value = Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);

  const left = SHARE_TOKEN_SECONDS - (now.value - issuedAt.value) / 1000;
  const expired = url.value !== null && left <= 0;

  const copy = async () => {
    if (!url.value) return;
    const ok = await copyText(url.value, input.current);
    copyState.value = ok ? 'Link copied.' : 'Select the link above and copy it.';
  };
  const share = () => {
    if (url.value) navigator.share({ title: 'TermBeam', url: url.value }).catch(() => {});
  };

  if (noAuth.value) {
    return (
      <Sheet title="Share" onClose={onClose}>
        <p>This server has no password, so there is no login link to share. Anyone who can reach this address is already in:</p>
        <QrCode text={location.origin} label={`QR code for ${location.origin}`} />
        <p class="share-meta">
          <code>{location.origin}</code>
        </p>
        <LoopbackNote url={location.origin} />
      </Sheet>
    );
  }

  return (
    <Sheet title="Share" onClose={onClose}>
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
      {url.value === null && !error.value && <p class="muted">Creating a login link…</p>}
      {url.value !== null && (
        <>
          {expired ? (
            <p class="share-meta">This link has expired.</p>
          ) : (
            <QrCode text={url.value} label="QR code of the login link: scan it with the other device's camera" />
          )}
          <label for={inputId} class="share-meta muted">
            Login link
          </label>
          <input
            id={inputId}
            ref={input}
            class="share-url"
            type="text"
            readOnly
            value={url.value}
            aria-describedby={`${inputId}-expiry`}
            onFocus={(e) => e.currentTarget.select()}
          />
          <p id={`${inputId}-expiry`} class="share-meta muted" aria-live="off">
            {expired ? 'Expired.' : `Works once, expires in ${countdown(left)}.`}
          </p>
          <LoopbackNote url={url.value} />
          <div class="share-actions">
            {!expired && (
              <button type="button" class="btn primary" onClick={() => void copy()}>
                Copy link
              </button>
            )}
            {!expired && typeof navigator.share === 'function' && (
              <button type="button" class="btn" onClick={share}>
                Share…
              </button>
            )}
            <button type="button" class="btn" onClick={() => void issue()}>
              New link
            </button>
          </div>
          {copyState.value && (
            <p class="share-meta" role="status">
              {copyState.value}
            </p>
          )}
        </>
      )}
      <p class="share-warning">
        Anyone who opens this link is logged in to your terminal, with your shell's full access. Share it only with devices you trust.
      </p>
      <ViewLinks />
    </Sheet>
  );
}
