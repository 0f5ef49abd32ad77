/**
 * Overlapping polls answered out of order. A poll asked before another, but answered after it,
 * carries older news: a list from before a delete, or a success from before the connection
 * went. Such an answer is dropped, so the newest question's answer always stands.
 */
export class PollOrder {
  private asked = 0;
  private taken = 0;

  /** A number for the poll about to be sent. */
  ask(): number {
    this.asked += 1;
    return this.asked;
  }

  /** Whether poll `n`'s answer is still news; if so it is now the newest taken. */
  take(n: number): boolean {
    if (n < this.taken) return false;
    this.taken = n;
    return true;
  }
}
