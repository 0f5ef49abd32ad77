/**
 * WebSocket protocol of /ws: message types, encoding of client messages,
 * validation of server messages, the binary output frame format, and the
 * sequence/ack bookkeeping that drives server-side flow control.
 * Mirrors termbeam_py/protocol.py. Pure: no DOM, no sockets.
 */

export const OP_OUTPUT = 0x01;
export const FRAME_HEADER_BYTES = 9;
export const ACK_THRESHOLD_BYTES = 32 * 1024;

export const COLS_MIN = 1;
export const COLS_MAX = 500;
export const ROWS_MIN = 1;
export const ROWS_MAX = 200;

// ---- client → server -------------------------------------------------------

export interface AttachMsg {
  type: 'attach';
  sessionId: string;
  binary: true;
  since?: number;
}
export interface InputMsg {
  type: 'input';
  data: string;
}
export interface ResizeMsg {
  type: 'resize';
  cols: number;
  rows: number;
}
export interface AckMsg {
  type: 'ack';
  seq: number;
}
export interface PingMsg {
  type: 'ping';
}
export type ClientMsg = AttachMsg | InputMsg | ResizeMsg | AckMsg | PingMsg;

export function attachMsg(sessionId: string, since?: number | null): AttachMsg {
  const msg: AttachMsg = { type: 'attach', sessionId, binary: true };
  if (since !== undefined && since !== null && since > 0) msg.since = since;
  return msg;
}

export function inputMsg(data: string): InputMsg {
  return { type: 'input', data };
}

function clampInt(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.floor(n)));
}

/** A resize message with dims clamped to what the server accepts; null for non-finite dims. */
export function resizeMsg(cols: number, rows: number): ResizeMsg | null {
  if (!Number.isFinite(cols) || !Number.isFinite(rows)) return null;
  return {
    type: 'resize',
    cols: clampInt(cols, COLS_MIN, COLS_MAX),
    rows: clampInt(rows, ROWS_MIN, ROWS_MAX),
  };
}

export function ackMsg(seq: number): AckMsg {
  return { type: 'ack', seq };
}

export const PING: PingMsg = { type: 'ping' };

export function encode(msg: ClientMsg): string {
  return JSON.stringify(msg);
}

// ---- server → client -------------------------------------------------------

/** Command finished: the documented fields, plus what the server knew (our extension). */
export interface NotificationMsg {
  type: 'notification';
  notificationType?: string;
  sessionName?: string;
  timestamp?: number;
  sessionId?: string;
  command?: string;
  exitCode?: number;
  durationMs?: number;
}

export type ServerMsg =
  | { type: 'attached'; sessionId: string; seq?: number; resumed?: boolean; boot?: string }
  | { type: 'replay'; data: string; seq?: number }
  | { type: 'output'; data: string }
  | { type: 'exit'; code: number | null }
  | { type: 'error'; message: string }
  | NotificationMsg
  | { type: 'other'; raw: Record<string, unknown> };

function optSeq(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** Parse and validate a JSON text frame; null when it is not a usable message. */
export function parseServerText(text: string): ServerMsg | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const o = raw as Record<string, unknown>;
  switch (o.type) {
    case 'attached': {
      if (typeof o.sessionId !== 'string') return null;
      const m: ServerMsg = { type: 'attached', sessionId: o.sessionId };
      const seq = optSeq(o.seq);
      if (seq !== undefined) m.seq = seq;
      if (typeof o.resumed === 'boolean') m.resumed = o.resumed;
      if (typeof o.boot === 'string' && o.boot) m.boot = o.boot;
      return m;
    }
    case 'replay': {
      if (typeof o.data !== 'string') return null;
      const m: ServerMsg = { type: 'replay', data: o.data };
      const seq = optSeq(o.seq);
      if (seq !== undefined) m.seq = seq;
      return m;
    }
    case 'output':
      return typeof o.data === 'string' ? { type: 'output', data: o.data } : null;
    case 'exit':
      return { type: 'exit', code: typeof o.code === 'number' ? o.code : null };
    case 'error':
      return { type: 'error', message: typeof o.message === 'string' ? o.message : 'error' };
    case 'notification':
      return {
        type: 'notification',
        notificationType: typeof o.notificationType === 'string' ? o.notificationType : undefined,
        sessionName: typeof o.sessionName === 'string' ? o.sessionName : undefined,
        timestamp: typeof o.timestamp === 'number' ? o.timestamp : undefined,
        sessionId: typeof o.sessionId === 'string' ? o.sessionId : undefined,
        command: typeof o.command === 'string' ? o.command : undefined,
        exitCode: Number.isInteger(o.exitCode) ? (o.exitCode as number) : undefined,
        durationMs: typeof o.durationMs === 'number' ? o.durationMs : undefined,
      };
    default:
      return typeof o.type === 'string' ? { type: 'other', raw: o } : null;
  }
}

export interface OutputFrame {
  seq: number;
  data: Uint8Array;
}

/**
 * Parse a binary frame: byte 0 opcode (0x01 = output), bytes 1..8 big-endian
 * uint64 sequence number of the first data byte, then the raw PTY bytes.
 * Returns null for unknown opcodes, short frames or sequence numbers beyond 2^53.
 */
export function parseBinaryFrame(buf: ArrayBuffer | Uint8Array): OutputFrame | null {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  if (bytes.byteLength < FRAME_HEADER_BYTES || bytes[0] !== OP_OUTPUT) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hi = view.getUint32(1);
  const lo = view.getUint32(5);
  if (hi > 0x1fffff) return null; // not representable exactly as a JS number
  return { seq: hi * 0x1_0000_0000 + lo, data: bytes.subarray(FRAME_HEADER_BYTES) };
}

/** Build a binary output frame (used by tests and tooling). */
export function encodeBinaryFrame(seq: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + data.byteLength);
  const view = new DataView(out.buffer);
  out[0] = OP_OUTPUT;
  view.setUint32(1, Math.floor(seq / 0x1_0000_0000));
  view.setUint32(5, seq >>> 0);
  out.set(data, FRAME_HEADER_BYTES);
  return out;
}

// ---- sequence tracking -----------------------------------------------------

/**
 * Tracks the sequence number just past the last byte received (`lastSeq`).
 * Frames (or parts of frames) below lastSeq were already received and are dropped.
 */
export class SeqTracker {
  lastSeq: number;

  constructor(initial = 0) {
    this.lastSeq = initial;
  }

  reset(seq: number): void {
    this.lastSeq = seq;
  }

  /** Returns the new bytes of a frame (possibly a suffix) and their end seq, or null if none. */
  accept(frame: OutputFrame): { data: Uint8Array; endSeq: number } | null {
    const end = frame.seq + frame.data.byteLength;
    if (end <= this.lastSeq) return null;
    const skip = frame.seq < this.lastSeq ? this.lastSeq - frame.seq : 0;
    this.lastSeq = end;
    return { data: skip > 0 ? frame.data.subarray(skip) : frame.data, endSeq: end };
  }
}

// ---- ack batching ----------------------------------------------------------

/**
 * Counts bytes rendered by xterm (reported from write callbacks) and decides
 * when to acknowledge them: at once when at least `threshold` bytes are
 * unacknowledged, otherwise on a short idle timer the caller runs.
 */
export class AckBatcher {
  rendered = 0;
  acked = 0;

  constructor(readonly threshold = ACK_THRESHOLD_BYTES) {}

  reset(seq: number): void {
    this.rendered = seq;
    this.acked = seq;
  }

  /** Record rendering up to `seq`. Returns 'now' (ack immediately), 'idle' (schedule) or 'none'. */
  renderedTo(seq: number): 'now' | 'idle' | 'none' {
    if (seq > this.rendered) this.rendered = seq;
    const pending = this.rendered - this.acked;
    if (pending <= 0) return 'none';
    return pending >= this.threshold ? 'now' : 'idle';
  }

  /** The seq to acknowledge now, or null if nothing is pending. Marks it acked. */
  take(): number | null {
    if (this.rendered <= this.acked) return null;
    this.acked = this.rendered;
    return this.acked;
  }
}
