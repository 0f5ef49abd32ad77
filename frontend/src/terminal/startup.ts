/**
 * The "starting shell…" spinner's timing. A first connect that answers quickly shows nothing
 * (no flash); one still silent after SPINNER_DELAY_MS shows the spinner until anything arrives.
 * Only the first connect counts: reconnects have their own bar.
 */
export const SPINNER_DELAY_MS = 150;
export const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
export const SPINNER_FRAME_MS = 80;

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class StartupSpinner {
  private timer: unknown = null;
  private settled = false;

  constructor(
    private readonly show: (visible: boolean) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  /** The first connect begins. */
  begin(): void {
    if (this.settled || this.timer !== null) return;
    this.timer = this.timers.set(() => {
      this.timer = null;
      if (!this.settled) this.show(true);
    }, SPINNER_DELAY_MS);
  }

  /** Anything arrived (attached, output, exit, an error): the spinner goes for good. */
  settle(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.show(false);
  }
}
