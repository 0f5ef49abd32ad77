import { describe as suite, expect, it } from 'vitest';
import { base64UrlToBytes, describe, formatDuration, markTitle, unmarkTitle } from './notify';
import { parseServerText } from './protocol';

suite('notification helpers', () => {
  it('formats durations like the push titles', () => {
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(252_000)).toBe('4m12s');
    expect(formatDuration(3_720_000)).toBe('1h02m');
  });

  it('describes known and unknown commands', () => {
    const base = { type: 'notification' as const, sessionName: 'api' };
    expect(describe({ ...base, command: 'make test', exitCode: 0, durationMs: 252_000 })).toBe(
      '✓ make test — exit 0 — 4m12s — session api',
    );
    expect(describe({ ...base, command: 'make', exitCode: 2 })).toBe('✗ make — exit 2 — session api');
    expect(describe(base)).toBe('Command finished in api');
  });

  it('marks the title once and unmarks it', () => {
    const marked = markTitle(markTitle('api — TermBeam'));
    expect(marked).toBe('(●) api — TermBeam');
    expect(unmarkTitle(marked)).toBe('api — TermBeam');
  });

  it('decodes a base64url VAPID key', () => {
    expect(Array.from(base64UrlToBytes('BP_-'))).toEqual([0x04, 0xff, 0xfe]);
  });

  it('parses the documented notification and its extension fields', () => {
    const msg = parseServerText(
      JSON.stringify({
        type: 'notification', notificationType: 'command-complete', sessionName: 'api', timestamp: 5,
        sessionId: 's1', command: 'make', exitCode: 2, durationMs: 1500,
      }),
    );
    expect(msg).toEqual({
      type: 'notification', notificationType: 'command-complete', sessionName: 'api', timestamp: 5,
      sessionId: 's1', command: 'make', exitCode: 2, durationMs: 1500,
    });
    const plain = parseServerText('{"type":"notification","notificationType":"command-complete","sessionName":"x","timestamp":1}');
    expect(plain).toMatchObject({ type: 'notification', sessionName: 'x', command: undefined, exitCode: undefined });
  });
});
