/**
 * Output pipeline between the socket and xterm.js: keeps one write in flight,
 * coalesces queued chunks, applies `replay` snapshots in order (drop pending
 * writes, reset, write), and acknowledges bytes only once xterm has parsed them.
 * The terminal is abstracted as a Sink so this is testable without a DOM.
 */
import { AckBatcher, SeqTracker, type OutputFrame } from './protocol';

export interface Sink {
  write(data: string | Uint8Array, done: () => void): void;
  reset(): void;
}

type Item =
  | { kind: 'data'; data: string | Uint8Array; endSeq: number | null }
  | { kind: 'reset' };

export const ACK_IDLE_MS = 50;
const MAX_COALESCE_BYTES = 256 * 1024;

type TimerId = ReturnType<typeof setTimeout>;

export class OutputPipeline {
  readonly seq = new SeqTracker();
  readonly acks = new AckBatcher();
  private queue: Item[] = [];
  private inFlight = false;
  private generation = 0;
  private ackTimer: TimerId | null = null;

  constructor(
    private readonly sink: Sink,
    private readonly sendAck: (seq: number) => void,
    private readonly idleMs = ACK_IDLE_MS,
  ) {}

  /** Binary output frame from the server. */
  frame(frame: OutputFrame): void {
    const fresh = this.seq.accept(frame);
    if (fresh && fresh.data.byteLength > 0) this.enqueue({ kind: 'data', data: fresh.data, endSeq: fresh.endSeq });
  }

  /** JSON `output` message (plain protocol, no sequence numbers). */
  text(data: string): void {
    if (data) this.enqueue({ kind: 'data', data, endSeq: null });
  }

  /** Authoritative snapshot: drop anything pending, reset the terminal, write `data`. */
  replay(data: string, seq?: number): void {
    this.generation += 1; // callbacks of an in-flight write no longer count
    this.queue = [{ kind: 'reset' }];
    if (seq !== undefined) {
      this.seq.reset(seq);
      this.acks.reset(seq);
      this.cancelAckTimer();
    }
    if (data) this.queue.push({ kind: 'data', data, endSeq: null });
    if (!this.inFlight) this.pump();
  }

  /** Set the stream position without a snapshot (e.g. `attached` with seq). */
  resetSeq(seq: number): void {
    this.seq.reset(seq);
    this.acks.reset(seq);
    this.cancelAckTimer();
  }

  get lastSeq(): number {
    return this.seq.lastSeq;
  }

  get pendingItems(): number {
    return this.queue.length;
  }

  dispose(): void {
    this.generation += 1;
    this.queue = [];
    this.cancelAckTimer();
  }

  private enqueue(item: Item): void {
    this.queue.push(item);
    if (!this.inFlight) this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (head.kind === 'reset') {
        this.queue.shift();
        this.sink.reset();
        continue;
      }
      const { data, endSeq } = this.takeBatch();
      const gen = this.generation;
      this.inFlight = true;
      let sync = true;
      let doneSync = false;
      this.sink.write(data, () => {
        if (gen !== this.generation) {
          // Superseded by a replay; its own pump runs when this write completes.
          this.afterWrite(sync, () => (doneSync = true));
          return;
        }
        if (endSeq !== null) this.rendered(endSeq);
        this.afterWrite(sync, () => (doneSync = true));
      });
      sync = false;
      if (!doneSync) return; // wait for the callback
    }
  }

  private afterWrite(sync: boolean, markSync: () => void): void {
    this.inFlight = false;
    if (sync) markSync();
    else this.pump();
  }

  /** Coalesce consecutive data items of the same kind into one write. */
  private takeBatch(): { data: string | Uint8Array; endSeq: number | null } {
    const first = this.queue.shift() as Extract<Item, { kind: 'data' }>;
    let endSeq = first.endSeq;
    if (typeof first.data === 'string') {
      let s = first.data;
      while (this.queue.length && this.queue[0].kind === 'data' && typeof this.queue[0].data === 'string' && s.length < MAX_COALESCE_BYTES) {
        const it = this.queue.shift() as Extract<Item, { kind: 'data' }>;
        s += it.data as string;
        if (it.endSeq !== null) endSeq = it.endSeq;
      }
      return { data: s, endSeq };
    }
    const parts: Uint8Array[] = [first.data];
    let total = first.data.byteLength;
    while (this.queue.length && this.queue[0].kind === 'data' && this.queue[0].data instanceof Uint8Array && total < MAX_COALESCE_BYTES) {
      const it = this.queue.shift() as Extract<Item, { kind: 'data' }>;
      const d = it.data as Uint8Array;
      parts.push(d);
      total += d.byteLength;
      if (it.endSeq !== null) endSeq = it.endSeq;
    }
    if (parts.length === 1) return { data: first.data, endSeq };
    const merged = new Uint8Array(total);
    let off = 0;
    for (const p of parts) {
      merged.set(p, off);
      off += p.byteLength;
    }
    return { data: merged, endSeq };
  }

  private rendered(endSeq: number): void {
    const decision = this.acks.renderedTo(endSeq);
    if (decision === 'now') this.flushAck();
    else if (decision === 'idle' && this.ackTimer === null) {
      this.ackTimer = setTimeout(() => {
        this.ackTimer = null;
        this.flushAck();
      }, this.idleMs);
    }
  }

  private flushAck(): void {
    this.cancelAckTimer();
    const seq = this.acks.take();
    if (seq !== null) this.sendAck(seq);
  }

  private cancelAckTimer(): void {
    if (this.ackTimer !== null) clearTimeout(this.ackTimer);
    this.ackTimer = null;
  }
}
