/**
 * Reconnect policy for the terminal socket: exponential backoff
 * (500 ms ×2 up to 30 s, reset on a successful attach), the small non-blocking
 * "Reconnecting…" chip at once, escalation to a full overlay (countdown + "Retry
 * now") only after 10 s without a connection (a blip never blocks the pane), immediate
 * retry when the page becomes visible, and a terminal "stopped" state (session exited or
 * not found). Pure logic: the socket itself is created by the caller's `connect` hook.
 */

export const BACKOFF_INITIAL_MS = 500;
export const BACKOFF_MAX_MS = 30_000;
/** Delay before the chip shows (0: at once, so a closed socket is never silent). */
export const RECONNECT_GRACE_MS = 0;
export const RECONNECT_ESCALATE_MS = 10_000;

export class Backoff {
  private attempt = 0;

  constructor(
    readonly initial = BACKOFF_INITIAL_MS,
    readonly max = BACKOFF_MAX_MS,
    readonly factor = 2,
  ) {}

  /** The delay before the next attempt; grows on every call. */
  next(): number {
    const delay = Math.min(this.max, this.initial * this.factor ** this.attempt);
    if (delay < this.max) this.attempt += 1;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}

export type ConnState = 'idle' | 'connecting' | 'attached' | 'waiting' | 'stopped';

export interface ReconnectHooks {
  /** Open a new socket. The caller reports back with attached()/closed(). */
  connect(): void;
  /** Whether the "Reconnecting…" indicator should be visible. */
  showReconnecting(visible: boolean): void;
  /** Whether the connection has been down long enough for the blocking overlay. */
  showOverlay?(visible: boolean): void;
}

type TimerId = ReturnType<typeof setTimeout>;

export class ReconnectController {
  state: ConnState = 'idle';
  readonly backoff: Backoff;
  private retryTimer: TimerId | null = null;
  private graceTimer: TimerId | null = null;
  private escalateTimer: TimerId | null = null;
  private indicator = false;
  private overlay = false;
  /** When the scheduled retry fires (epoch ms), or null when none is scheduled. */
  retryAt: number | null = null;

  constructor(
    private readonly hooks: ReconnectHooks,
    backoff?: Backoff,
    private readonly graceMs = RECONNECT_GRACE_MS,
    private readonly escalateMs = RECONNECT_ESCALATE_MS,
  ) {
    this.backoff = backoff ?? new Backoff();
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.open();
  }

  /** The socket attached to its session: connection is healthy again. */
  attached(): void {
    if (this.state === 'stopped') return;
    this.state = 'attached';
    this.backoff.reset();
    this.clearGrace();
    this.setIndicator(false);
    this.setOverlay(false);
  }

  /** The socket closed or failed. Schedules a retry unless stopped. */
  closed(): void {
    if (this.state === 'stopped' || this.state === 'waiting') return;
    this.state = 'waiting';
    if (this.graceMs <= 0) this.setIndicator(true);
    else if (this.graceTimer === null && !this.indicator) {
      this.graceTimer = setTimeout(() => {
        this.graceTimer = null;
        if (this.state === 'waiting' || this.state === 'connecting') this.setIndicator(true);
      }, this.graceMs);
    }
    if (this.escalateTimer === null && !this.overlay) {
      this.escalateTimer = setTimeout(() => {
        this.escalateTimer = null;
        if (this.state === 'waiting' || this.state === 'connecting') this.setOverlay(true);
      }, this.escalateMs);
    }
    this.clearRetry();
    const delay = this.backoff.next();
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  /** Page became visible / network came back: retry at once if waiting. */
  wake(): void {
    if (this.state !== 'waiting') return;
    this.clearRetry();
    this.open();
  }

  /**
   * The user asked to retry now: reconnect at once (abandoning an attempt still pending) and
   * start the backoff over. The caller drops its pending socket first.
   */
  retryNow(): void {
    if (this.state !== 'waiting' && this.state !== 'connecting') return;
    this.backoff.reset();
    this.clearRetry();
    this.open();
  }

  /** Never reconnect again (exit, session not found, page teardown). */
  stop(): void {
    this.state = 'stopped';
    this.clearRetry();
    this.clearGrace();
    this.setIndicator(false);
    this.setOverlay(false);
  }

  get reconnecting(): boolean {
    return this.indicator;
  }

  get overlayVisible(): boolean {
    return this.overlay;
  }

  private open(): void {
    this.state = 'connecting';
    this.retryAt = null;
    this.hooks.connect();
  }

  private setOverlay(v: boolean): void {
    if (!v && this.escalateTimer !== null) {
      clearTimeout(this.escalateTimer);
      this.escalateTimer = null;
    }
    if (this.overlay === v) return;
    this.overlay = v;
    this.hooks.showOverlay?.(v);
  }

  private setIndicator(v: boolean): void {
    if (this.indicator === v) return;
    this.indicator = v;
    this.hooks.showReconnecting(v);
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryAt = null;
  }

  private clearGrace(): void {
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }
}

/**
 * Resize throttle: at most one send per `intervalMs`, with a trailing send of
 * the latest dims; identical dims are not re-sent unless `force` is used.
 */
export class ResizeThrottle {
  private lastSent: { cols: number; rows: number } | null = null;
  private pending: { cols: number; rows: number } | null = null;
  private lastSentAt = -Infinity;
  private timer: TimerId | null = null;

  constructor(
    private readonly send: (cols: number, rows: number) => void,
    readonly intervalMs = 300,
    private readonly now: () => number = () => Date.now(),
  ) {}

  request(cols: number, rows: number): void {
    this.pending = { cols, rows };
    if (this.timer !== null) return;
    const wait = this.lastSentAt + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }

  /** Forget the last sent dims (new socket): the next request is always sent, now. */
  forceNext(): void {
    this.lastSent = null;
    this.lastSentAt = -Infinity;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private flush(): void {
    const p = this.pending;
    this.pending = null;
    if (!p) return;
    if (this.lastSent && this.lastSent.cols === p.cols && this.lastSent.rows === p.rows) return;
    this.lastSent = p;
    this.lastSentAt = this.now();
    this.send(p.cols, p.rows);
  }
}
