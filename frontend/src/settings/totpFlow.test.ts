import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import {
  beginSetup, confirmSetup, loadTotp, NO_PASSWORD, NOT_OWNER, offCodeLooksRight, recoveryText, sixDigits, statusText,
  turnOff, type Send, type TotpSetup,
} from './totpFlow';

interface Call {
  path: string;
  method: string;
  body?: unknown;
}

/**
 * A stand-in for the server's /api/totp* routes at the fetch boundary: the same answers and
 * error texts as termbeam_py/totp_routes.py, with one accepted code per step.
 */
function fakeServer(opts: { password?: boolean; scope?: 'admin' | 'read'; enabled?: boolean; good?: string } = {}) {
  const calls: Call[] = [];
  let enabled = opts.enabled ?? false;
  let pending = false;
  let left = enabled ? 8 : 0;
  const good = opts.good ?? '123456';
  const send: Send = async <T,>(path: string, o: { method?: string; body?: unknown } = {}): Promise<T> => {
    const method = o.method ?? 'GET';
    calls.push({ path, method, body: o.body });
    const code = (o.body as { code?: string } | undefined)?.code;
    if (path === '/api/config') return { passwordRequired: opts.password ?? true } as T;
    if (opts.scope === 'read') throw new ApiError(403, "This token lacks the 'admin' scope");
    if (path === '/api/totp') return { enabled, recoveryLeft: left } as T;
    if (path === '/api/totp/setup') {
      if (opts.password === false) throw new ApiError(409, 'a one-time code needs a password: this server has none');
      if (enabled) throw new ApiError(409, 'a one-time code is already on: turn it off first');
      pending = true;
      return { secret: 'JBSWY3DPEHPK3PXP', uri: 'otpauth://totp/TermBeam:x?secret=JBSWY3DPEHPK3PXP', recoveryCodes: ['abcde-fghjk', 'mnpqr-stuvw'] } as T;
    }
    if (path === '/api/totp/enable') {
      if (!pending) throw new ApiError(409, 'no setup in progress: run the setup again');
      if (code !== good) throw new ApiError(400, 'wrong code');
      enabled = true;
      pending = false;
      left = 2;
      return { enabled: true } as T;
    }
    if (path === '/api/totp/disable') {
      if (enabled && code !== good && code !== 'abcde-fghjk') throw new ApiError(400, 'wrong code');
      enabled = false;
      left = 0;
      return { enabled: false } as T;
    }
    throw new ApiError(404, 'not found');
  };
  return { send, calls, isOn: () => enabled };
}

describe('who may change the one-time code', () => {
  it('the owner on a server with a password may', async () => {
    const s = fakeServer();
    expect(await loadTotp(s.send)).toEqual({ kind: 'ready', state: { enabled: false, recoveryLeft: 0 }, access: { can: true } });
  });
  it('a server without a password shows the state, with the reason it cannot be turned on', async () => {
    const s = fakeServer({ password: false });
    expect(await loadTotp(s.send)).toEqual({ kind: 'ready', state: { enabled: false, recoveryLeft: 0 }, access: { can: false, reason: NO_PASSWORD } });
  });
  it('a caller without the admin scope gets no controls, and the reason with the server’s words', async () => {
    const loaded = await loadTotp(fakeServer({ scope: 'read' }).send);
    expect(loaded.kind).toBe('refused');
    expect(loaded.kind === 'refused' && loaded.reason).toBe(`${NOT_OWNER} (This token lacks the 'admin' scope)`);
  });
  it('any other failure is shown as such', async () => {
    const send: Send = async () => {
      throw new ApiError(0, 'Cannot reach the server');
    };
    expect(await loadTotp(send)).toEqual({ kind: 'failed', message: 'Cannot reach the server' });
  });
});

describe('typed codes', () => {
  it('takes 6 digits, with a space or dash in the middle', () => {
    expect(sixDigits('123456')).toBe('123456');
    expect(sixDigits(' 123 456 ')).toBe('123456');
    expect(sixDigits('123-456')).toBe('123456');
    for (const bad of ['', '12345', '1234567', '12345a', 'abcdef']) expect(sixDigits(bad)).toBeNull();
  });
  it('turning off takes a current code or a recovery code', () => {
    expect(offCodeLooksRight('123456')).toBe(true);
    expect(offCodeLooksRight('ABCDE-fghjk')).toBe(true);
    expect(offCodeLooksRight('abcde fghjk')).toBe(true);
    for (const bad of ['', '1234', 'abcde-fghj', 'password']) expect(offCodeLooksRight(bad)).toBe(false);
  });
});

describe('turning it on', () => {
  it('a wrong code shows the server’s error and leaves it off', async () => {
    const s = fakeServer();
    const setup = await beginSetup(s.send);
    expect(await confirmSetup(s.send, setup, '000000')).toEqual({ ok: false, message: 'wrong code' });
    expect(s.isOn()).toBe(false);
  });
  it('only the server’s yes to the right code turns it on, and the state is read back', async () => {
    const s = fakeServer();
    const setup = await beginSetup(s.send);
    expect(setup.recoveryCodes).toEqual(['abcde-fghjk', 'mnpqr-stuvw']);
    expect(await confirmSetup(s.send, setup, '123 456')).toEqual({ ok: true, state: { enabled: true, recoveryLeft: 2 } });
    expect(s.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/totp/setup', 'POST /api/totp/enable', 'GET /api/totp']);
    expect(s.calls[1].body).toEqual({ code: '123456' });
  });
  it('a code that is not 6 digits is not sent', async () => {
    const s = fakeServer();
    const setup = await beginSetup(s.send);
    const out = await confirmSetup(s.send, setup, '12345');
    expect(out.ok).toBe(false);
    expect(s.calls.map((c) => c.path)).toEqual(['/api/totp/setup']);
  });
  it('an expired setup says to run it again (the server’s text)', async () => {
    const s = fakeServer();
    const setup: TotpSetup = { secret: 'X', uri: 'otpauth://totp/x', recoveryCodes: [] };
    expect(await confirmSetup(s.send, setup, '123456')).toEqual({ ok: false, message: 'no setup in progress: run the setup again' });
  });
  it('refuses a setup answer without a key', async () => {
    const send: Send = async <T,>() => ({ secret: 1 }) as T;
    await expect(beginSetup(send)).rejects.toThrow('The server sent no key');
  });
  it('a server without a password refuses the setup with its reason', async () => {
    await expect(beginSetup(fakeServer({ password: false }).send)).rejects.toThrow('a one-time code needs a password: this server has none');
  });
});

describe('turning it off', () => {
  it('a wrong code keeps it on and shows the server’s error', async () => {
    const s = fakeServer({ enabled: true });
    expect(await turnOff(s.send, '999999')).toEqual({ ok: false, message: 'wrong code' });
    expect(s.isOn()).toBe(true);
  });
  it('a current code or a recovery code turns it off', async () => {
    const s = fakeServer({ enabled: true });
    expect(await turnOff(s.send, ' abcde-fghjk ')).toEqual({ ok: true, state: { enabled: false, recoveryLeft: 0 } });
    expect(s.calls[0]).toEqual({ path: '/api/totp/disable', method: 'POST', body: { code: 'abcde-fghjk' } });
  });
});

describe('what is shown', () => {
  it('says on or off, with the recovery codes left', () => {
    expect(statusText({ enabled: false, recoveryLeft: 0 })).toBe('Off');
    expect(statusText({ enabled: true, recoveryLeft: 8 })).toBe('On (8 recovery codes left)');
    expect(statusText({ enabled: true, recoveryLeft: 1 })).toBe('On (1 recovery code left)');
  });
  it('copies the recovery codes one a line under a heading', () => {
    expect(recoveryText(['a', 'b'])).toBe('TermBeam recovery codes (each signs in once):\na\nb');
  });
});
