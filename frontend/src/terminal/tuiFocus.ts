/**
 * Focus recovery after a full-screen program (TUI) ends. While a program has mouse tracking or
 * the alternate screen on, clicks go to it and can leave focus on xterm's viewport/screen
 * instead of its hidden textarea, so keys stop reaching the shell once the program exits.
 * This tracks whether the terminal was in use during the TUI; when the TUI ends, `update`
 * answers true if focus should go back to the textarea.
 */
export class TuiFocus {
  private inTui = false;
  private wanted = false;

  /**
   * Feed the current state (cheap: called after each parsed write and on buffer switches).
   * `focusedInside`: focus is within the terminal right now. Returns true when the TUI just
   * ended and the terminal had been in use.
   */
  update(tui: boolean, focusedInside: boolean): boolean {
    if (tui === this.inTui) return false;
    this.inTui = tui;
    if (tui) {
      this.wanted = focusedInside;
      return false;
    }
    const recover = this.wanted;
    this.wanted = false;
    return recover;
  }

  /** The user clicked or focused inside the terminal. */
  touched(): void {
    if (this.inTui) this.wanted = true;
  }
}

/** Focus may be taken back only from nowhere (body) or from inside the terminal itself. */
export function mayTakeFocus(active: Element | null, body: Element | null, inside: boolean): boolean {
  return active === null || active === body || inside;
}
