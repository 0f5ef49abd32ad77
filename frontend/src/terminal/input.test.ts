import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InputSender, chunkInput } from './input';

describe('chunkInput', () => {
  it('keeps small input whole and drops empty input', () => {
    expect(chunkInput('ls\r')).toEqual(['ls\r']);
    expect(chunkInput('')).toEqual([]);
  });

  it('splits a 2 MB paste into bounded chunks that join back byte-exact', () => {
    const text = Array.from({ length: 2 * 1024 * 1024 }, (_, i) => String.fromCharCode(32 + (i % 90))).join('');
    const chunks = chunkInput(text);
    expect(chunks.length).toBe(32);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(64 * 1024);
    expect(chunks.join('')).toBe(text);
  });

  it('never separates a surrogate pair', () => {
    const text = 'a' + '😀'.repeat(10); // the pair would straddle every odd boundary
    const chunks = chunkInput(text, 4);
    expect(chunks.join('')).toBe(text);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(4);
      expect(() => encodeURIComponent(c)).not.toThrow(); // a lone surrogate would throw
    }
  });
});

describe('InputSender', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function transport() {
    const t = { isReady: true, bufferedBytes: 0, sent: [] as string[] };
    return {
      t,
      api: { ready: () => t.isReady, buffered: () => t.bufferedBytes, send: (c: string) => void t.sent.push(c) },
    };
  }

  it('sends chunks in order and waits while the socket buffer is full', () => {
    const { t, api } = transport();
    const s = new InputSender(api, 4, 10);
    t.bufferedBytes = 11;
    s.push('abcdefghij');
    expect(t.sent).toEqual([]);
    s.push('XY'); // later input queues behind the paste
    t.bufferedBytes = 0;
    vi.advanceTimersByTime(16);
    expect(t.sent).toEqual(['abcd', 'efgh', 'ij', 'XY']);
    expect(s.pending).toBe(0);
  });

  it('holds keystrokes typed while disconnected and sends them after the attach', () => {
    const { t, api } = transport();
    const s = new InputSender(api, 2, 10);
    t.isReady = false;
    s.push('ls');
    s.push('\r');
    expect(t.sent).toEqual([]);
    t.isReady = true;
    s.flush();
    expect(t.sent).toEqual(['ls', '\r']);
  });

  it('drops offline input past the allowance and says so', () => {
    const { t, api } = transport();
    const dropped = vi.fn();
    const s = new InputSender({ ...api, dropped }, 2, 10, 4);
    t.isReady = false;
    s.push('abc');
    s.push('de'); // 5 > 4: dropped
    expect(dropped).toHaveBeenCalledTimes(1);
    s.push('f');
    t.isReady = true;
    s.flush();
    expect(t.sent).toEqual(['ab', 'c', 'f']);
    t.isReady = false;
    s.push('wxyz'); // the allowance starts over after a send
    expect(dropped).toHaveBeenCalledTimes(1);
  });

  it('finishes a paste cut off by a reconnect', () => {
    const { t, api } = transport();
    const s = new InputSender(api, 2, 10);
    t.bufferedBytes = 100;
    s.push('abcdef');
    t.isReady = false;
    t.bufferedBytes = 0;
    vi.advanceTimersByTime(16);
    expect(t.sent).toEqual([]);
    t.isReady = true;
    s.flush();
    expect(t.sent).toEqual(['ab', 'cd', 'ef']);
  });
});
