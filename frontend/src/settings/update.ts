/**
 * The in-app update, from the page's side: check, start, follow and reload.
 *
 * Progress normally arrives as `update-progress` broadcasts (state/events.ts); pages without
 * a WebSocket, or whose socket dropped, poll GET /api/update/status instead. Once the server
 * says it is restarting (or stops answering mid-update) we wait for /api/version to answer
 * again and reload, so the page runs the new build.
 */
import { signal } from '@preact/signals';
import { request } from '../api';
import { updateProgress, type UpdateProgress } from '../state/events';
import { UPDATE_RESTARTING, UPDATE_RUNNING } from './logic';

export interface UpdateCheck {
  current: string;
  latest: string | null;
  updateAvailable: boolean;
  method: string;
  command: string;
  canAutoUpdate: boolean;
  restartStrategy: string;
}

const POLL_MS = 1500;
const RESTART_WAIT_MS = 120_000;

/** 'waiting': the server is restarting; 'gave-up': it did not come back in time. */
export const restartWait = signal<'waiting' | 'gave-up' | null>(null);

let polling = false;
let waiting = false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function checkForUpdate(force: boolean): Promise<UpdateCheck> {
  return request<UpdateCheck>(`/api/update-check${force ? '?force=true' : ''}`);
}

export async function fetchVersion(): Promise<string> {
  const res = await request<{ version: string }>('/api/version');
  return res.version;
}

/** Wait until the server answers again after a restart, then reload the page. */
export async function reloadWhenBack(): Promise<void> {
  if (waiting) return;
  waiting = true;
  restartWait.value = 'waiting';
  const deadline = Date.now() + RESTART_WAIT_MS;
  // Give the old process time to go away, or we would "see it back" before it left.
  await sleep(2000);
  while (Date.now() < deadline) {
    try {
      const res = await fetch('/api/version', { cache: 'no-store' });
      // Any answer from the server itself means it is up (even 429); a tunnel or proxy in
      // front of a stopped server answers 502/503.
      if (res.status < 500) {
        location.reload();
        return;
      }
    } catch {
      /* still down */
    }
    await sleep(POLL_MS);
  }
  restartWait.value = 'gave-up';
  waiting = false;
}

/** Poll the update status until it ends; the broadcasts may be missing (no socket). */
export async function followUpdate(): Promise<void> {
  if (polling) return;
  polling = true;
  try {
    for (;;) {
      let state: UpdateProgress;
      try {
        state = await request<UpdateProgress>('/api/update/status');
      } catch {
        // The server went away mid-update: that is the restart.
        if (UPDATE_RUNNING.has(updateProgress.value?.status ?? '')) void reloadWhenBack();
        return;
      }
      updateProgress.value = state;
      if (UPDATE_RESTARTING.has(state.status)) {
        void reloadWhenBack();
        return;
      }
      if (!UPDATE_RUNNING.has(state.status)) return;
      await sleep(POLL_MS);
    }
  } finally {
    polling = false;
  }
}

/** POST /api/update and follow it; throws the server's message (e.g. not auto-updatable). */
export async function startUpdate(): Promise<void> {
  await request('/api/update', { method: 'POST' });
  updateProgress.value = { status: 'checking-permissions', phase: 'Starting update…' };
  void followUpdate();
}
