/**
 * Tells a server restart apart from a lost connection, for a terminal's reconnect UI.
 *
 * Sessions outlive the server: a server that stops but keeps them closes the socket with 1012
 * (Service Restart), so while reconnecting we can say "Server restarted" instead of
 * "Connection lost". A crash or `kill -9` sends no close frame at all; there the only sign is
 * that the next `attached` names another server `boot` than the last one did. Either way, a
 * reattach to another boot shows a short "session kept" notice that hides itself.
 * Pure logic: the caller feeds it close codes and attaches.
 */

/** WebSocket close code 1012, "Service Restart": the server stops, the sessions live on. */
export const SERVICE_RESTART = 1012;
/** How long "Server restarted — session kept" stays up. */
export const RESTART_NOTICE_MS = 4_000;

export interface RestartHooks {
  /** The server said it is restarting (1012) and we are not attached again yet. */
  restarting(active: boolean): void;
  /** Show or hide the short notice that the session survived a server restart. */
  notice(visible: boolean): void;
}

export class RestartWatch {
  private boot: string | null = null;
  private saidRestart = false;
  private noticeTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly hooks: RestartHooks,
    private readonly noticeMs = RESTART_NOTICE_MS,
  ) {}

  /**
   * The socket closed with `code` (1006 when no close frame came). After a 1012 the
   * attempts that fail while the server comes back are still part of the restart, so only
   * an attach ends it.
   */
  closed(code: number): void {
    if (code !== SERVICE_RESTART || this.saidRestart) return;
    this.saidRestart = true;
    this.hooks.restarting(true);
  }

  /** Attached again, to the server with boot id `boot` (absent from older servers). */
  attached(boot: string | undefined): void {
    if (this.saidRestart) {
      this.saidRestart = false;
      this.hooks.restarting(false);
    }
    if (boot === undefined) return;
    const previous = this.boot;
    this.boot = boot;
    if (previous !== null && previous !== boot) this.showNotice();
  }

  dispose(): void {
    this.clearNotice();
  }

  private showNotice(): void {
    if (this.noticeTimer === null) this.hooks.notice(true);
    else clearTimeout(this.noticeTimer); // already up: keep it up for the full time again
    this.noticeTimer = setTimeout(() => {
      this.noticeTimer = null;
      this.hooks.notice(false);
    }, this.noticeMs);
  }

  private clearNotice(): void {
    if (this.noticeTimer === null) return;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = null;
    this.hooks.notice(false);
  }
}
