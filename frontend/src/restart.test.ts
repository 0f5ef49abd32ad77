import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RESTART_NOTICE_MS, RestartWatch, SERVICE_RESTART } from './restart';

const NO_CLOSE_FRAME = 1006;

function setup() {
  const restarting: boolean[] = [];
  const notice: boolean[] = [];
  const w = new RestartWatch({ restarting: (v) => restarting.push(v), notice: (v) => notice.push(v) });
  return { w, restarting, notice };
}

describe('RestartWatch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('an ordinary drop back to the same server says nothing about a restart', () => {
    const { w, restarting, notice } = setup();
    w.attached('boot-a');
    w.closed(NO_CLOSE_FRAME);
    w.closed(1001);
    w.attached('boot-a');
    vi.advanceTimersByTime(60_000);
    expect(restarting).toEqual([]);
    expect(notice).toEqual([]);
  });

  it('a 1012 close is a restart until the next attach, through failed retries', () => {
    const { w, restarting } = setup();
    w.attached('boot-a');
    w.closed(SERVICE_RESTART);
    expect(restarting).toEqual([true]);
    w.closed(NO_CLOSE_FRAME); // the server is not listening yet
    w.closed(SERVICE_RESTART);
    expect(restarting).toEqual([true]);
    w.attached('boot-b');
    expect(restarting).toEqual([true, false]);
  });

  it('reattaching to another boot shows the notice, which hides itself', () => {
    const { w, notice } = setup();
    w.attached('boot-a');
    w.closed(NO_CLOSE_FRAME); // kill -9: no close frame
    w.attached('boot-b');
    expect(notice).toEqual([true]);
    vi.advanceTimersByTime(RESTART_NOTICE_MS - 1);
    expect(notice).toEqual([true]);
    vi.advanceTimersByTime(1);
    expect(notice).toEqual([true, false]);
  });

  it('a 1012 restart that lands on a new boot also says the session was kept', () => {
    const { w, restarting, notice } = setup();
    w.attached('boot-a');
    w.closed(SERVICE_RESTART);
    w.attached('boot-b');
    expect(restarting).toEqual([true, false]);
    expect(notice).toEqual([true]);
  });

  it('the first attach of a page and servers without a boot id never show the notice', () => {
    const { w, notice } = setup();
    w.attached('boot-a'); // first attach: nothing to compare with
    w.closed(NO_CLOSE_FRAME);
    w.attached(undefined); // an older server
    w.closed(NO_CLOSE_FRAME);
    w.attached('boot-a');
    expect(notice).toEqual([]);
  });

  it('a second restart keeps the notice up for the full time again', () => {
    const { w, notice } = setup();
    w.attached('boot-a');
    w.attached('boot-b');
    vi.advanceTimersByTime(RESTART_NOTICE_MS - 100);
    w.attached('boot-c');
    vi.advanceTimersByTime(RESTART_NOTICE_MS - 100);
    expect(notice).toEqual([true]);
    vi.advanceTimersByTime(100);
    expect(notice).toEqual([true, false]);
  });

  it('dispose hides a notice that is up', () => {
    const { w, notice } = setup();
    w.attached('boot-a');
    w.attached('boot-b');
    w.dispose();
    expect(notice).toEqual([true, false]);
    vi.advanceTimersByTime(RESTART_NOTICE_MS);
    expect(notice).toEqual([true, false]);
  });
});
