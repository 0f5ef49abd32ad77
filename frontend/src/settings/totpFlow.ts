/**
 * The one-time code (TOTP) in Settings → Security (#17), without the DOM: who may change it,
 * what a typed code must look like, and the turn-on and turn-off calls to /api/totp*. The
 * calls take a `send` (api.ts's `request` in the app) so the tests can play the server.
 *
 * The server decides everything: a code is checked only there, and its error text ("wrong
 * code", "no setup in progress: run the setup again", the rate limit's) is what the user reads.
 */
import { ApiError } from '../api';

export interface TotpState {
  enabled: boolean;
  recoveryLeft: number;
}

/** POST /api/totp/setup: a key waiting for its first code (10 minutes on the server). */
export interface TotpSetup {
  secret: string;
  /** otpauth://totp/… — what the QR code holds. */
  uri: string;
  /** Shown this once; the server keeps only their hashes. */
  recoveryCodes: string[];
}

export type Send = <T>(path: string, opts?: { method?: string; body?: unknown }) => Promise<T>;

/** Whether this browser may turn the code on or off, and why not. */
export type Access = { can: true } | { can: false; reason: string };

export const NO_PASSWORD =
  'This server has no password (--no-password), so there is no sign-in to add a code to.';
export const NOT_OWNER = 'Only the owner, signed in with the password, can see or change this.';

export type Loaded =
  | { kind: 'ready'; state: TotpState; access: Access }
  /** Refused (403): a view-only link or a token without the admin scope. */
  | { kind: 'refused'; reason: string }
  | { kind: 'failed'; message: string };

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The code's state and who may change it: GET /api/config and GET /api/totp (admin). */
export async function loadTotp(send: Send): Promise<Loaded> {
  const config = send<{ passwordRequired?: unknown }>('/api/config').then(
    (c) => c?.passwordRequired !== false,
    () => true, // unknown: let the setup itself say what is wrong
  );
  let state: TotpState;
  try {
    state = await send<TotpState>('/api/totp');
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return { kind: 'refused', reason: `${NOT_OWNER} (${err.message})` };
    return { kind: 'failed', message: message(err) };
  }
  const access: Access = (await config) ? { can: true } : { can: false, reason: NO_PASSWORD };
  return { kind: 'ready', state: { enabled: state.enabled === true, recoveryLeft: Number(state.recoveryLeft) || 0 }, access };
}

/** A typed code without spaces, dashes or tabs (as the server reads it), lower case. */
export function normaliseCode(typed: string): string {
  return typed.replace(/[\s-]/g, '').toLowerCase();
}

/** The 6 digits of `typed` ("123 456" too), or null when it is not 6 digits. */
export function sixDigits(typed: string): string | null {
  const code = normaliseCode(typed);
  return /^\d{6}$/.test(code) ? code : null;
}

/** Worth sending to turn the code off: 6 digits or a recovery code (10 letters and digits). */
export function offCodeLooksRight(typed: string): boolean {
  const code = normaliseCode(typed);
  return /^\d{6}$/.test(code) || /^[a-z0-9]{10}$/.test(code);
}

/** POST /api/totp/setup, checked: a new key, its URI and the recovery codes. */
export async function beginSetup(send: Send): Promise<TotpSetup> {
  const made = await send<Partial<TotpSetup>>('/api/totp/setup', { method: 'POST' });
  if (!made || typeof made.secret !== 'string' || typeof made.uri !== 'string' || !made.uri.startsWith('otpauth://')) {
    throw new Error('The server sent no key');
  }
  const codes = Array.isArray(made.recoveryCodes) ? made.recoveryCodes.filter((c): c is string => typeof c === 'string') : [];
  return { secret: made.secret, uri: made.uri, recoveryCodes: codes };
}

export type Outcome = { ok: true; state: TotpState } | { ok: false; message: string };

async function stateAfter(send: Send, fallback: TotpState): Promise<TotpState> {
  try {
    const s = await send<TotpState>('/api/totp');
    return { enabled: s.enabled === true, recoveryLeft: Number(s.recoveryLeft) || 0 };
  } catch {
    return fallback; // the change is made; the count is only a nicety
  }
}

/**
 * POST /api/totp/enable with the first code: only the server's yes turns it on. A refusal
 * comes back with the server's own words and changes nothing here.
 */
export async function confirmSetup(send: Send, setup: TotpSetup, typed: string): Promise<Outcome> {
  const code = sixDigits(typed);
  if (code === null) return { ok: false, message: 'Type the 6 digits your authenticator app shows.' };
  try {
    await send<{ enabled: boolean }>('/api/totp/enable', { method: 'POST', body: { code } });
  } catch (err) {
    return { ok: false, message: message(err) };
  }
  return { ok: true, state: await stateAfter(send, { enabled: true, recoveryLeft: setup.recoveryCodes.length }) };
}

/** POST /api/totp/disable with a current code or a recovery code. */
export async function turnOff(send: Send, typed: string): Promise<Outcome> {
  try {
    await send<{ enabled: boolean }>('/api/totp/disable', { method: 'POST', body: { code: typed.trim() } });
  } catch (err) {
    return { ok: false, message: message(err) };
  }
  return { ok: true, state: await stateAfter(send, { enabled: false, recoveryLeft: 0 }) };
}

/** What "Copy codes" puts on the clipboard: a heading line, then one code a line. */
export function recoveryText(codes: string[]): string {
  return ['TermBeam recovery codes (each signs in once):', ...codes].join('\n');
}

/** "On (8 recovery codes left)" and the like. */
export function statusText(state: TotpState): string {
  if (!state.enabled) return 'Off';
  const n = state.recoveryLeft;
  return `On (${n} recovery code${n === 1 ? '' : 's'} left)`;
}
