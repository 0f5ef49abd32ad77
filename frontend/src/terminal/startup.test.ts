import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SPINNER_DELAY_MS, StartupSpinner } from './startup';

describe('startup spinner', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('stays hidden when the shell answers within the delay', () => {
    const show = vi.fn();
    const s = new StartupSpinner(show);
    s.begin();
    vi.advanceTimersByTime(SPINNER_DELAY_MS - 1);
    s.settle();
    vi.advanceTimersByTime(1000);
    expect(show.mock.calls.filter(([v]) => v === true)).toEqual([]);
  });

  it('shows after the delay and hides once anything arrives', () => {
    const show = vi.fn();
    const s = new StartupSpinner(show);
    s.begin();
    vi.advanceTimersByTime(SPINNER_DELAY_MS);
    expect(show).toHaveBeenLastCalledWith(true);
    s.settle();
    expect(show).toHaveBeenLastCalledWith(false);
  });

  it('never comes back once settled (reconnects have their own bar)', () => {
    const show = vi.fn();
    const s = new StartupSpinner(show);
    s.begin();
    s.settle();
    s.begin();
    vi.advanceTimersByTime(SPINNER_DELAY_MS * 4);
    expect(show.mock.calls.filter(([v]) => v === true)).toEqual([]);
  });
});
