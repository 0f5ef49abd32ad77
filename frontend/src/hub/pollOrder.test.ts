import { describe, expect, it } from 'vitest';
import { PollOrder } from './pollOrder';

describe('PollOrder', () => {
  it('takes answers that come back in the order asked', () => {
    const order = new PollOrder();
    const [a, b] = [order.ask(), order.ask()];
    expect(order.take(a)).toBe(true);
    expect(order.take(b)).toBe(true);
  });

  it('drops an answer that comes back after a later-asked one', () => {
    const order = new PollOrder();
    const slow = order.ask();
    const fast = order.ask();
    expect(order.take(fast)).toBe(true);
    expect(order.take(slow)).toBe(false);
    // A poll asked after both is news again.
    expect(order.take(order.ask())).toBe(true);
  });
});
