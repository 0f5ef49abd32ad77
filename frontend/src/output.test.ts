import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutputPipeline, type Sink } from './output';

const enc = (s: string) => new TextEncoder().encode(s);

/** A fake terminal whose write callbacks the test completes by hand. */
class FakeSink implements Sink {
  log: string[] = [];
  pending: Array<() => void> = [];
  write(data: string | Uint8Array, done: () => void): void {
    this.log.push(typeof data === 'string' ? data : new TextDecoder().decode(data));
    this.pending.push(done);
  }
  reset(): void {
    this.log.push('<reset>');
  }
  complete(): void {
    const p = this.pending;
    this.pending = [];
    p.forEach((f) => f());
  }
}

describe('OutputPipeline', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps one write in flight and coalesces the rest', () => {
    const sink = new FakeSink();
    const p = new OutputPipeline(sink, () => {});
    p.frame({ seq: 0, data: enc('a') });
    p.frame({ seq: 1, data: enc('b') });
    p.frame({ seq: 2, data: enc('c') });
    expect(sink.log).toEqual(['a']);
    sink.complete();
    expect(sink.log).toEqual(['a', 'bc']);
    expect(p.lastSeq).toBe(3);
  });

  it('acks from write callbacks: idle timer for small amounts', () => {
    const sink = new FakeSink();
    const acks: number[] = [];
    const p = new OutputPipeline(sink, (s) => acks.push(s), 50);
    p.frame({ seq: 0, data: enc('hello') });
    vi.advanceTimersByTime(100);
    expect(acks).toEqual([]); // not rendered yet → no ack
    sink.complete();
    expect(acks).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(acks).toEqual([5]);
  });

  it('acks at once when 32 KiB are unacknowledged', () => {
    const sink = new FakeSink();
    const acks: number[] = [];
    const p = new OutputPipeline(sink, (s) => acks.push(s), 50);
    p.frame({ seq: 0, data: new Uint8Array(40_000) });
    sink.complete();
    expect(acks).toEqual([40_000]);
  });

  it('replay drops pending writes, resets after the in-flight write, then writes', () => {
    const sink = new FakeSink();
    const acks: number[] = [];
    const p = new OutputPipeline(sink, (s) => acks.push(s), 50);
    p.frame({ seq: 0, data: enc('old1') });
    p.frame({ seq: 4, data: enc('old2') });
    p.replay('SNAP', 1000);
    expect(sink.log).toEqual(['old1']);
    expect(p.lastSeq).toBe(1000);
    p.frame({ seq: 1000, data: enc('new') });
    p.frame({ seq: 990, data: enc('0123456789') }); // ends at 1000, below lastSeq 1003 → dropped
    sink.complete(); // old1 done (superseded: not acked)
    expect(sink.log).toEqual(['old1', '<reset>', 'SNAP']);
    sink.complete();
    expect(sink.log).toEqual(['old1', '<reset>', 'SNAP', 'new']);
    sink.complete();
    vi.advanceTimersByTime(50);
    expect(acks).toEqual([1003]);
  });

  it('handles synchronous sinks and JSON output', () => {
    const log: string[] = [];
    const sink: Sink = { write: (d, done) => { log.push(String(d)); done(); }, reset: () => log.push('R') };
    const p = new OutputPipeline(sink, () => {});
    p.text('x');
    p.text('y');
    p.replay('z');
    expect(log).toEqual(['x', 'y', 'R', 'z']);
  });
});
