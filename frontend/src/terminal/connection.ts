/**
 * One terminal's live connection: owns the WebSocket to /ws, speaks the
 * protocol (attach with resume, input, resize, acks, pings) and feeds the
 * OutputPipeline. Reconnects through ReconnectController.
 */
import { handleBroadcast } from '../state/events';
import { OutputPipeline, type Sink } from '../output';
import { PING, ackMsg, attachMsg, encode, inputMsg, parseBinaryFrame, parseServerText, resizeMsg, type ClientMsg, type NotificationMsg, type ServerMsg } from '../protocol';
import { ReconnectController, ResizeThrottle } from '../reconnect';
import { RestartWatch } from '../restart';
import { InputSender } from './input';

export const PING_INTERVAL_MS = 15_000;
/** A socket that has not attached by then is given up on (browsers can stall failing connects). */
export const CONNECT_TIMEOUT_MS = 10_000;
const HIDDEN_ZOMBIE_MS = 30_000;

export interface ConnectionEvents {
  reconnecting(visible: boolean): void;
  /** The connection has been down for a while: block the pane with a retry overlay. */
  overlay?(visible: boolean): void;
  exited(code: number | null): void;
  notFound(): void;
  error(message: string): void;
  attached(): void;
  /** A command finished in this session (queued ones arrive right after `attached`). */
  notification?(msg: NotificationMsg): void;
  /** The server closed the socket saying it restarts (1012): true until attached again. */
  serverRestarting?(active: boolean): void;
  /** Show or hide the short "session kept" notice after reattaching to a restarted server. */
  restartNotice?(visible: boolean): void;
  /** Typing while disconnected went past what is held for the reattach; some was dropped. */
  inputDropped?(): void;
}

export function wsUrl(loc: Location = location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws`;
}

export class TerminalConnection {
  private ws: WebSocket | null = null;
  private isAttached = false;
  private replayedThisSocket = false;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private hiddenAt: number | null = null;
  private readonly pipeline: OutputPipeline;
  private readonly reconnect: ReconnectController;
  private readonly restart: RestartWatch;
  private readonly resize: ResizeThrottle;
  private lastDims: { cols: number; rows: number } | null = null;
  private readonly inputs: InputSender;

  constructor(
    private readonly sessionId: string,
    sink: Sink,
    private readonly events: ConnectionEvents,
  ) {
    this.pipeline = new OutputPipeline(sink, (seq) => this.send(ackMsg(seq)));
    this.reconnect = new ReconnectController({
      connect: () => this.open(),
      showReconnecting: (v) => this.events.reconnecting(v),
      showOverlay: (v) => this.events.overlay?.(v),
    });
    this.restart = new RestartWatch({
      restarting: (v) => this.events.serverRestarting?.(v),
      notice: (v) => this.events.restartNotice?.(v),
    });
    this.inputs = new InputSender({
      ready: () => this.isAttached && this.ws !== null && this.ws.readyState === WebSocket.OPEN,
      buffered: () => this.ws?.bufferedAmount ?? 0,
      send: (chunk) => this.send(inputMsg(chunk)),
      dropped: () => this.events.inputDropped?.(),
    });
    this.resize = new ResizeThrottle((cols, rows) => {
      const msg = resizeMsg(cols, rows);
      if (msg) this.send(msg);
    });
  }

  start(): void {
    document.addEventListener('visibilitychange', this.onVisibility);
    window.addEventListener('online', this.onOnline);
    this.reconnect.start();
  }

  dispose(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    window.removeEventListener('online', this.onOnline);
    this.reconnect.stop();
    this.restart.dispose();
    this.resize.dispose();
    this.inputs.dispose();
    this.pipeline.dispose();
    this.dropSocket();
  }

  /** Keystrokes or a paste of any size: sent in order, in bounded chunks. */
  input(data: string): void {
    this.inputs.push(data);
  }

  /** Reconnect at once (the overlay's "Retry now"), dropping an attempt that is still pending. */
  retryNow(): void {
    const state = this.reconnect.state;
    if (state !== 'waiting' && state !== 'connecting') return;
    this.dropSocket();
    this.reconnect.retryNow();
  }

  /** When the next automatic retry happens (epoch ms), or null. */
  get retryAt(): number | null {
    return this.reconnect.retryAt;
  }

  /** The terminal's size changed (fit); sent throttled once attached. */
  setSize(cols: number, rows: number): void {
    this.lastDims = { cols, rows };
    if (this.isAttached) this.resize.request(cols, rows);
  }

  private send(msg: ClientMsg): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(encode(msg));
  }

  private open(): void {
    this.dropSocket();
    let ws: WebSocket;
    try {
      ws = new WebSocket(wsUrl());
    } catch {
      this.reconnect.closed();
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      if (ws !== this.ws || this.isAttached) return;
      this.dropSocket();
      this.reconnect.closed();
    }, CONNECT_TIMEOUT_MS);
    this.isAttached = false;
    this.replayedThisSocket = false;
    ws.onopen = () => {
      if (ws !== this.ws) return;
      const since = this.pipeline.lastSeq;
      ws.send(encode(attachMsg(this.sessionId, since > 0 ? since : undefined)));
      this.pingTimer = setInterval(() => this.send(PING), PING_INTERVAL_MS);
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (ws !== this.ws) return;
      if (typeof ev.data === 'string') {
        const msg = parseServerText(ev.data);
        if (msg) this.handle(msg);
      } else if (ev.data instanceof ArrayBuffer) {
        const frame = parseBinaryFrame(ev.data);
        if (frame) this.pipeline.frame(frame);
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      if (ws !== this.ws) return;
      this.clearPing();
      this.clearConnectTimer();
      this.ws = null;
      this.isAttached = false;
      this.restart.closed(ev.code);
      this.reconnect.closed();
    };
  }

  private handle(msg: ServerMsg): void {
    switch (msg.type) {
      case 'attached':
        this.clearConnectTimer();
        if (!msg.resumed && msg.seq !== undefined && !this.replayedThisSocket) this.pipeline.resetSeq(msg.seq);
        this.isAttached = true;
        this.reconnect.attached();
        this.restart.attached(msg.boot);
        this.resize.forceNext();
        if (this.lastDims) this.resize.request(this.lastDims.cols, this.lastDims.rows);
        this.inputs.flush(); // the rest of a paste cut off by the reconnect
        this.events.attached();
        break;
      case 'replay':
        this.replayedThisSocket = true;
        this.pipeline.replay(msg.data, msg.seq);
        break;
      case 'output':
        this.pipeline.text(msg.data);
        break;
      case 'exit':
        this.reconnect.stop();
        this.dropSocket();
        this.events.exited(msg.code);
        break;
      case 'error':
        if (/not found/i.test(msg.message)) {
          this.reconnect.stop();
          this.dropSocket();
          this.events.notFound();
        } else if (/^View ended\b/.test(msg.message)) {
          // A view-only link was revoked or expired, or the owner disconnected this viewer.
          this.reconnect.stop();
          this.dropSocket();
          this.events.error(msg.message);
        } else if (/unauthori[sz]ed/i.test(msg.message)) {
          this.reconnect.stop();
          this.dropSocket();
          location.href = location.pathname === '/view' ? '/view' : '/login';
        } else {
          this.events.error(msg.message);
        }
        break;
      case 'notification':
        this.events.notification?.(msg);
        break;
      default:
        handleBroadcast(msg.raw); // tunnel-status, update-progress, …
    }
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private dropSocket(): void {
    this.clearPing();
    this.clearConnectTimer();
    const ws = this.ws;
    this.ws = null;
    this.isAttached = false;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      try {
        ws.close();
      } catch {
        /* already closed */
      }
    }
  }

  private clearPing(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private readonly onVisibility = (): void => {
    if (document.visibilityState === 'hidden') {
      this.hiddenAt = Date.now();
      return;
    }
    const hiddenFor = this.hiddenAt === null ? 0 : Date.now() - this.hiddenAt;
    this.hiddenAt = null;
    if (this.reconnect.state === 'waiting') this.reconnect.wake();
    else if (this.reconnect.state === 'attached' && hiddenFor > HIDDEN_ZOMBIE_MS) {
      // The socket may be a zombie after a long sleep: start over (resuming by seq).
      this.dropSocket();
      this.reconnect.closed();
      this.reconnect.wake();
    } else this.send(PING);
  };

  private readonly onOnline = (): void => this.reconnect.wake();
}
