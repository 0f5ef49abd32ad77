import { describe, expect, it } from 'vitest';
import {
  AckBatcher,
  SeqTracker,
  attachMsg,
  encode,
  encodeBinaryFrame,
  parseBinaryFrame,
  parseServerText,
  resizeMsg,
} from './protocol';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('client messages', () => {
  it('attach requests binary and only sends a positive since', () => {
    expect(attachMsg('abc')).toEqual({ type: 'attach', sessionId: 'abc', binary: true });
    expect(attachMsg('abc', 0)).toEqual({ type: 'attach', sessionId: 'abc', binary: true });
    expect(attachMsg('abc', 42)).toEqual({ type: 'attach', sessionId: 'abc', binary: true, since: 42 });
    expect(JSON.parse(encode(attachMsg('x', 7)))).toEqual({ type: 'attach', sessionId: 'x', binary: true, since: 7 });
  });

  it('resize clamps to server limits and floors', () => {
    expect(resizeMsg(80.7, 24.2)).toEqual({ type: 'resize', cols: 80, rows: 24 });
    expect(resizeMsg(0, 0)).toEqual({ type: 'resize', cols: 1, rows: 1 });
    expect(resizeMsg(9999, 9999)).toEqual({ type: 'resize', cols: 500, rows: 200 });
    expect(resizeMsg(NaN, 10)).toBeNull();
  });
});

describe('parseServerText', () => {
  it('parses the documented messages', () => {
    expect(parseServerText('{"type":"attached","sessionId":"a1","seq":10,"resumed":true}')).toEqual({
      type: 'attached', sessionId: 'a1', seq: 10, resumed: true,
    });
    expect(parseServerText('{"type":"attached","sessionId":"a1"}')).toEqual({ type: 'attached', sessionId: 'a1' });
    expect(parseServerText('{"type":"attached","sessionId":"a1","seq":0,"resumed":false,"boot":"9f2c"}')).toEqual({
      type: 'attached', sessionId: 'a1', seq: 0, resumed: false, boot: '9f2c',
    });
    // A boot id that is not a non-empty string is left out, never compared.
    expect(parseServerText('{"type":"attached","sessionId":"a1","boot":7}')).toEqual({ type: 'attached', sessionId: 'a1' });
    expect(parseServerText('{"type":"attached","sessionId":"a1","boot":""}')).toEqual({ type: 'attached', sessionId: 'a1' });
    expect(parseServerText('{"type":"replay","data":"hi","seq":5}')).toEqual({ type: 'replay', data: 'hi', seq: 5 });
    expect(parseServerText('{"type":"output","data":"x"}')).toEqual({ type: 'output', data: 'x' });
    expect(parseServerText('{"type":"exit","code":3}')).toEqual({ type: 'exit', code: 3 });
    expect(parseServerText('{"type":"error","message":"Session not found"}')).toEqual({
      type: 'error', message: 'Session not found',
    });
  });

  it('rejects junk and malformed fields', () => {
    expect(parseServerText('not json')).toBeNull();
    expect(parseServerText('[1,2]')).toBeNull();
    expect(parseServerText('null')).toBeNull();
    expect(parseServerText('{"type":"output","data":5}')).toBeNull();
    expect(parseServerText('{"type":"replay","data":"x","seq":-1}')).toEqual({ type: 'replay', data: 'x' });
    expect(parseServerText('{"type":"tunnel-status","state":"connected"}')?.type).toBe('other');
  });
});

describe('binary frames', () => {
  it('round-trips small and >32-bit sequence numbers', () => {
    for (const seq of [0, 1, 65535, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 123, Number.MAX_SAFE_INTEGER]) {
      const f = parseBinaryFrame(encodeBinaryFrame(seq, bytes('héllo')).buffer as ArrayBuffer);
      expect(f?.seq).toBe(seq);
      expect(new TextDecoder().decode(f!.data)).toBe('héllo');
    }
  });

  it('decodes a hand-built big-endian header', () => {
    const buf = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0x01, 0x02, 0x41, 0x42]);
    const f = parseBinaryFrame(buf.buffer);
    expect(f?.seq).toBe(258);
    expect(Array.from(f!.data)).toEqual([0x41, 0x42]);
  });

  it('works on a view with an offset', () => {
    const big = new Uint8Array(20);
    big.set(encodeBinaryFrame(9, bytes('ab')), 5);
    const f = parseBinaryFrame(big.subarray(5, 5 + 11));
    expect(f?.seq).toBe(9);
    expect(Array.from(f!.data)).toEqual([0x61, 0x62]);
  });

  it('rejects unknown opcodes, short frames and unsafe seqs', () => {
    expect(parseBinaryFrame(new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0, 1]))).toBeNull();
    expect(parseBinaryFrame(new Uint8Array([1, 0, 0]))).toBeNull();
    expect(parseBinaryFrame(new Uint8Array([1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]))).toBeNull();
    expect(parseBinaryFrame(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0]))?.data.byteLength).toBe(0);
  });
});

describe('SeqTracker', () => {
  it('tracks lastSeq and skips already-received bytes', () => {
    const t = new SeqTracker();
    expect(t.accept({ seq: 0, data: bytes('abc') })).toEqual({ data: bytes('abc'), endSeq: 3 });
    expect(t.lastSeq).toBe(3);
    expect(t.accept({ seq: 0, data: bytes('abc') })).toBeNull(); // duplicate
    const partial = t.accept({ seq: 1, data: bytes('bcde') });
    expect(new TextDecoder().decode(partial!.data)).toBe('de');
    expect(partial!.endSeq).toBe(5);
    expect(t.lastSeq).toBe(5);
  });

  it('accepts a gap (server resynchronises with a replay) and resets', () => {
    const t = new SeqTracker(10);
    expect(t.accept({ seq: 20, data: bytes('x') })?.endSeq).toBe(21);
    t.reset(100);
    expect(t.accept({ seq: 50, data: bytes('y') })).toBeNull();
    expect(t.lastSeq).toBe(100);
  });
});

describe('AckBatcher', () => {
  it('acks at once past the threshold, else on idle', () => {
    const a = new AckBatcher(100);
    expect(a.renderedTo(10)).toBe('idle');
    expect(a.renderedTo(60)).toBe('idle');
    expect(a.renderedTo(110)).toBe('now');
    expect(a.take()).toBe(110);
    expect(a.take()).toBeNull();
    expect(a.renderedTo(105)).toBe('none'); // never goes backwards
    expect(a.renderedTo(150)).toBe('idle');
    expect(a.take()).toBe(150);
  });

  it('reset sets both counters', () => {
    const a = new AckBatcher();
    a.renderedTo(1000);
    a.reset(5000);
    expect(a.take()).toBeNull();
    expect(a.renderedTo(5000 + 32 * 1024)).toBe('now');
  });
});
