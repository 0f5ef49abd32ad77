/**
 * Server broadcasts that are not about one terminal (tunnel health, update progress), as
 * signals any screen can render. Every WebSocket hands its unknown message types here.
 */
import { signal } from '@preact/signals';

export type TunnelState = 'connected' | 'disconnected' | 'expiring' | 'auth-expired' | 'reconnecting' | 'failed';

export interface TunnelStatus {
  state: TunnelState;
  provider?: string;
  url?: string;
  expiresIn?: number;
  [key: string]: unknown;
}

export interface UpdateProgress {
  status: string;
  phase?: string | null;
  progress?: string | null;
  error?: string | null;
  fromVersion?: string | null;
  toVersion?: string | null;
  restartStrategy?: string | null;
}

/** Latest `tunnel-status` seen (null: no tunnel reported yet). */
export const tunnelStatus = signal<TunnelStatus | null>(null);
/** Latest `update-progress` seen (null: none this page load). */
export const updateProgress = signal<UpdateProgress | null>(null);

const TUNNEL_STATES = new Set<string>(['connected', 'disconnected', 'expiring', 'auth-expired', 'reconnecting', 'failed']);

/** Route one broadcast message (already JSON-parsed) into the signals; unknown ones are ignored. */
export function handleBroadcast(raw: Record<string, unknown>): void {
  if (raw.type === 'tunnel-status' && typeof raw.state === 'string' && TUNNEL_STATES.has(raw.state)) {
    const { type: _type, ...rest } = raw;
    tunnelStatus.value = rest as TunnelStatus;
  } else if (raw.type === 'update-progress' && typeof raw.status === 'string') {
    const { type: _type, ...rest } = raw;
    updateProgress.value = rest as unknown as UpdateProgress;
  }
}
