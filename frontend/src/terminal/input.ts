/**
 * Outgoing terminal input: splits large pastes into bounded `input` messages (the server closes
 * the socket on a frame over 1 MiB) and sends them in order, waiting while the socket's send
 * buffer is full so a multi-megabyte paste neither stalls the page nor overruns the network.
 */

/** UTF-16 code units per `input` message: ≤ 192 KiB of UTF-8, ≤ 384 KiB even if JSON escapes every unit. */
export const INPUT_CHUNK_UNITS = 64 * 1024;
/** Stop handing chunks to the socket while this much is still buffered. */
export const INPUT_HIGH_WATER_BYTES = 1024 * 1024;
export const INPUT_RETRY_MS = 16;
/**
 * Input typed while the socket is down (or not attached yet) is held, up to this many code
 * units, and sent after the attach: a few lines of typing, not a paste into a dead link.
 */
export const INPUT_OFFLINE_UNITS = 4096;

/** Split `data` into pieces of at most `max` code units, never between the halves of a surrogate pair. */
export function chunkInput(data: string, max = INPUT_CHUNK_UNITS): string[] {
  if (max < 2) throw new RangeError('chunk size must be at least 2');
  if (data.length <= max) return data ? [data] : [];
  const out: string[] = [];
  let start = 0;
  while (start < data.length) {
    let end = Math.min(start + max, data.length);
    if (end < data.length) {
      const last = data.charCodeAt(end - 1);
      if (last >= 0xd800 && last <= 0xdbff) end -= 1; // keep the pair together
    }
    out.push(data.slice(start, end));
    start = end;
  }
  return out;
}

export interface InputTransport {
  /** The socket is open and attached: chunks may be sent. */
  ready(): boolean;
  /** Bytes queued in the socket but not yet sent (WebSocket.bufferedAmount). */
  buffered(): number;
  send(chunk: string): void;
  /** Input typed while disconnected did not fit in the offline allowance and was dropped. */
  dropped?(): void;
}

type TimerId = ReturnType<typeof setTimeout>;

/** Ordered queue of input chunks drained as the transport allows. */
export class InputSender {
  private queue: string[] = [];
  private timer: TimerId | null = null;
  /** Code units queued while the transport was not ready, since it last was. */
  private offline = 0;

  constructor(
    private readonly transport: InputTransport,
    private readonly chunkUnits = INPUT_CHUNK_UNITS,
    private readonly highWater = INPUT_HIGH_WATER_BYTES,
    private readonly offlineUnits = INPUT_OFFLINE_UNITS,
  ) {}

  /**
   * Queue `data`. While the transport is not ready, keystrokes are held up to the offline
   * allowance and sent after the next attach; past it they are dropped and `dropped` is told.
   */
  push(data: string): void {
    if (!data) return;
    if (!this.transport.ready()) {
      if (this.offline + data.length > this.offlineUnits) {
        this.transport.dropped?.();
        return;
      }
      this.offline += data.length;
    } else this.offline = 0;
    for (const c of chunkInput(data, this.chunkUnits)) this.queue.push(c);
    this.flush();
  }

  /** Send what the transport accepts now; retry shortly while its buffer is full. */
  flush(): void {
    if (this.timer !== null) return;
    while (this.queue.length > 0) {
      if (!this.transport.ready()) return; // resumes on the next attach
      this.offline = 0;
      if (this.transport.buffered() > this.highWater) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.flush();
        }, INPUT_RETRY_MS);
        return;
      }
      this.transport.send(this.queue.shift() as string);
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.offline = 0;
  }
}
