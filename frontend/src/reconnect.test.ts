import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Backoff, ReconnectController, ResizeThrottle } from './reconnect';

describe('Backoff', () => {
  it('doubles from 500 ms up to 30 s and resets', () => {
    const b = new Backoff();
    const seq = Array.from({ length: 10 }, () => b.next());
    expect(seq).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
    b.reset();
    expect(b.next()).toBe(500);
  });
});

describe('ReconnectController', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup() {
    const connect = vi.fn();
    const indicator: boolean[] = [];
    const c = new ReconnectController({ connect, showReconnecting: (v) => indicator.push(v) });
    return { c, connect, indicator };
  }

  it('connects, retries with backoff, resets on attach', () => {
    const { c, connect } = setup();
    c.start();
    expect(connect).toHaveBeenCalledTimes(1);
    c.closed();
    vi.advanceTimersByTime(499);
    expect(connect).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(connect).toHaveBeenCalledTimes(2);
    c.closed();
    vi.advanceTimersByTime(999);
    expect(connect).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(1);
    expect(connect).toHaveBeenCalledTimes(3);
    c.attached();
    c.closed();
    vi.advanceTimersByTime(500);
    expect(connect).toHaveBeenCalledTimes(4);
  });

  it('shows the indicator as soon as the socket closes and hides it on attach', () => {
    const { c, indicator } = setup();
    c.start();
    c.attached();
    c.closed();
    expect(indicator).toEqual([true]);
    expect(c.reconnecting).toBe(true);
    vi.advanceTimersByTime(500); // reconnect attempt fails fast
    c.closed();
    expect(indicator).toEqual([true]);
    c.attached();
    expect(indicator).toEqual([true, false]);
  });

  it('still honours a grace period when given one', () => {
    const connect = vi.fn();
    const indicator: boolean[] = [];
    const c = new ReconnectController({ connect, showReconnecting: (v) => indicator.push(v) }, undefined, 2000);
    c.start();
    c.attached();
    c.closed();
    vi.advanceTimersByTime(1999);
    expect(indicator).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(indicator).toEqual([true]);
  });

  it('a quick reconnect shows the chip only until the attach', () => {
    const { c, indicator } = setup();
    c.start();
    c.attached();
    c.closed();
    vi.advanceTimersByTime(500);
    c.attached();
    vi.advanceTimersByTime(5000);
    expect(indicator).toEqual([true, false]);
  });

  it('wake() retries at once while waiting', () => {
    const { c, connect } = setup();
    c.start();
    c.closed();
    c.closed(); // duplicate close events are ignored
    c.wake();
    expect(connect).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(60_000);
    expect(connect).toHaveBeenCalledTimes(2); // the pending timer was cancelled
    c.wake(); // not waiting: no-op
    expect(connect).toHaveBeenCalledTimes(2);
  });

  it('stop() ends all reconnecting', () => {
    const { c, connect, indicator } = setup();
    c.start();
    c.closed();
    vi.advanceTimersByTime(3000);
    c.stop();
    expect(indicator.at(-1)).toBe(false);
    c.closed();
    c.wake();
    vi.advanceTimersByTime(60_000);
    expect(c.state).toBe('stopped');
    const calls = connect.mock.calls.length;
    vi.advanceTimersByTime(60_000);
    expect(connect.mock.calls.length).toBe(calls);
  });
});

describe('ReconnectController overlay', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup() {
    const connect = vi.fn();
    const overlay: boolean[] = [];
    const c = new ReconnectController({ connect, showReconnecting: () => {}, showOverlay: (v) => overlay.push(v) });
    return { c, connect, overlay };
  }

  it('escalates to the overlay after 10 s of failures and clears it on attach', () => {
    const { c, overlay } = setup();
    c.start();
    c.attached();
    c.closed();
    vi.advanceTimersByTime(500);
    c.closed(); // the retry failed too
    vi.advanceTimersByTime(9499);
    expect(overlay).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(overlay).toEqual([true]);
    expect(c.overlayVisible).toBe(true);
    c.attached();
    expect(overlay).toEqual([true, false]);
  });

  it('a reconnect within 10 s never shows the overlay', () => {
    const { c, overlay } = setup();
    c.start();
    c.attached();
    c.closed();
    vi.advanceTimersByTime(9000);
    c.attached();
    vi.advanceTimersByTime(10_000);
    expect(overlay).toEqual([]);
  });

  it('exposes the next retry time for a countdown and retryNow() restarts the backoff', () => {
    const { c, connect } = setup();
    vi.setSystemTime(1_000_000);
    c.start();
    for (let i = 0; i < 4; i++) {
      c.closed();
      vi.advanceTimersByTime(c.retryAt! - Date.now());
    }
    c.closed(); // fifth failure: 8 s wait
    expect(c.retryAt! - Date.now()).toBe(8000);
    const calls = connect.mock.calls.length;
    c.retryNow();
    expect(connect.mock.calls.length).toBe(calls + 1);
    expect(c.retryAt).toBeNull();
    c.closed();
    expect(c.retryAt! - Date.now()).toBe(500);
  });

  it('retryNow() also abandons an attempt that is still connecting', () => {
    const { c, connect } = setup();
    c.start();
    c.closed();
    vi.advanceTimersByTime(500); // attempt 2 is now pending
    expect(c.state).toBe('connecting');
    c.retryNow();
    expect(connect).toHaveBeenCalledTimes(3);
    c.attached();
    c.retryNow(); // healthy: nothing to do
    expect(connect).toHaveBeenCalledTimes(3);
  });

  it('stop() hides the overlay', () => {
    const { c, overlay } = setup();
    c.start();
    c.closed();
    vi.advanceTimersByTime(11_000);
    c.stop();
    expect(overlay).toEqual([true, false]);
  });
});

describe('ResizeThrottle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the first at once, then at most one per 300 ms with a trailing send', () => {
    const sent: Array<[number, number]> = [];
    const t = new ResizeThrottle((c, r) => sent.push([c, r]), 300, () => Date.now());
    t.request(80, 24);
    expect(sent).toEqual([[80, 24]]);
    t.request(81, 24);
    t.request(82, 25);
    expect(sent).toEqual([[80, 24]]);
    vi.advanceTimersByTime(300);
    expect(sent).toEqual([[80, 24], [82, 25]]);
  });

  it('does not resend identical dims unless forced', () => {
    const sent: Array<[number, number]> = [];
    const t = new ResizeThrottle((c, r) => sent.push([c, r]), 300, () => Date.now());
    t.request(80, 24);
    vi.advanceTimersByTime(1000);
    t.request(80, 24);
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([[80, 24]]);
    t.forceNext();
    t.request(80, 24);
    expect(sent).toEqual([[80, 24], [80, 24]]);
  });
});
