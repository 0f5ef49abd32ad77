/**
 * The strip of status banners at the top of a screen: tunnel health (from `tunnel-status`
 * broadcasts, seeded once from GET /api/tunnel/status), an available or running update, and
 * the browser being offline.
 */
import { signal, useSignal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { errorText } from '../errorText';
import { handleBroadcast, tunnelStatus, updateProgress } from '../state/events';
import { type BannerInfo, tunnelBanner, UPDATE_RESTARTING, updateBanner } from './logic';
import { checkForUpdate, reloadWhenBack, restartWait, startUpdate, type UpdateCheck } from './update';
import './banners.css';

const CHECK_CACHE = 'termbeam-update-check';
const DISMISSED_UPDATE = 'termbeam-update-dismissed';

/** Banners closed this page load, by BannerInfo.key. */
const dismissed = signal<ReadonlySet<string>>(new Set());
const available = signal<UpdateCheck | null>(null);
let seeded = false;

/** A fresh page learns the tunnel state before the first broadcast arrives. */
async function seedTunnelStatus(): Promise<void> {
  try {
    const res = await fetch('/api/tunnel/status', { credentials: 'same-origin' });
    if (!res.ok) return; // 404 on servers without the route; 401 logged out
    const s = (await res.json()) as Record<string, unknown>;
    if (!s.tunnel || tunnelStatus.value) return; // no tunnel configured, or a broadcast won the race
    handleBroadcast({
      ...s,
      type: 'tunnel-status',
      expiresIn: typeof s.tokenLifetimeSeconds === 'number' ? s.tokenLifetimeSeconds : undefined,
    });
  } catch {
    /* offline: the broadcasts will tell */
  }
}

/** Ask once per browser session whether a newer release exists (the server caches it for a day). */
async function seedUpdateCheck(): Promise<void> {
  try {
    const cached = sessionStorage.getItem(CHECK_CACHE);
    const check = cached ? (JSON.parse(cached) as UpdateCheck) : await checkForUpdate(false);
    if (!cached) sessionStorage.setItem(CHECK_CACHE, JSON.stringify(check));
    if (check.updateAvailable && localStorage.getItem(DISMISSED_UPDATE) !== check.latest) available.value = check;
  } catch {
    /* offline or blocked storage: no banner */
  }
}

function useOnline() {
  const online = useSignal(typeof navigator === 'undefined' ? true : navigator.onLine);
  useEffect(() => {
    const up = () => (online.value = true);
    const down = () => (online.value = false);
    addEventListener('online', up);
    addEventListener('offline', down);
    return () => {
      removeEventListener('online', up);
      removeEventListener('offline', down);
    };
  }, []);
  return online.value;
}

function dismiss(key: string) {
  dismissed.value = new Set([...dismissed.value, key]);
}

function Banner({ info, children }: { info: BannerInfo; children?: ComponentChildren }) {
  if (dismissed.value.has(info.key)) return null;
  return (
    <div class={`app-banner ${info.tone}`} role={info.tone === 'danger' ? 'alert' : 'status'}>
      <span class="text">{info.text}</span>
      {children}
      {info.dismissible && (
        <button type="button" class="btn icon small" aria-label="Dismiss" title="Dismiss" onClick={() => dismiss(info.key)}>
          ×
        </button>
      )}
    </div>
  );
}

function UpdateAvailable({ check }: { check: UpdateCheck }) {
  const error = useSignal<string | null>(null);
  const info: BannerInfo = {
    key: `available:${check.latest}`, tone: 'info', dismissible: false,
    text: error.value ?? `TermBeam ${check.latest} is available (you have ${check.current}).`,
  };
  const later = () => {
    try {
      localStorage.setItem(DISMISSED_UPDATE, check.latest ?? '');
    } catch {
      /* storage blocked: hidden for this page only */
    }
    dismiss(info.key);
  };
  const update = () => startUpdate().catch((err: unknown) => (error.value = errorText(err)));
  return (
    <Banner info={info}>
      {check.canAutoUpdate && (
        <button type="button" class="btn small primary" onClick={() => void update()}>
          Update now
        </button>
      )}
      <button type="button" class="btn small" onClick={later}>
        Later
      </button>
    </Banner>
  );
}

export function Banners() {
  const online = useOnline();

  useEffect(() => {
    if (seeded) return;
    seeded = true;
    void seedTunnelStatus();
    void seedUpdateCheck();
  }, []);

  // An update started from any device ends with a restart: come back on the new version.
  const progress = updateProgress.value;
  useEffect(() => {
    if (progress && UPDATE_RESTARTING.has(progress.status)) void reloadWhenBack();
  }, [progress?.status]);

  const tunnel = tunnelBanner(tunnelStatus.value);
  const update = updateBanner(progress);
  const check = available.value;
  const restart: BannerInfo | null =
    restartWait.value === 'gave-up'
      ? { key: 'gave-up', tone: 'danger', dismissible: true, text: 'The server has not come back after the update. Start it again on the host.' }
      : null;

  return (
    <div class="banners">
      {!online && <Banner info={{ key: 'offline', tone: 'warning', dismissible: false, text: 'You are offline. The terminal reconnects when the network is back.' }} />}
      {tunnel && <Banner info={tunnel} />}
      {restart ? <Banner info={restart} /> : update ? <Banner info={update} /> : check && <UpdateAvailable check={check} />}
    </div>
  );
}
