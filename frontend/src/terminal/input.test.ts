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

  it('drops keystrokes while disconnected but finishes a paste after reattaching', () => {
    const { t, api } = transport();
    const s = new InputSender(api, 2, 10);
    t.isReady = false;
    s.push('lost');
    expect(s.pending).toBe(0);
    t.isReady = true;
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
