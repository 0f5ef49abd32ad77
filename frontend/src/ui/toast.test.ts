import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createToaster, TOAST_MS } from './toast';

describe('createToaster', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows a message and clears it after the delay', () => {
    const t = createToaster();
    expect(t.text.value).toBeNull();
    t.show('Saved');
    expect(t.text.value).toBe('Saved');
    vi.advanceTimersByTime(TOAST_MS - 1);
    expect(t.text.value).toBe('Saved');
    vi.advanceTimersByTime(1);
    expect(t.text.value).toBeNull();
  });

  it('honours its own delay', () => {
    const t = createToaster(3500);
    t.show('Copied');
    vi.advanceTimersByTime(3499);
    expect(t.text.value).toBe('Copied');
    vi.advanceTimersByTime(1);
    expect(t.text.value).toBeNull();
  });

  it('a newer message replaces the old one and gets the full time', () => {
    const t = createToaster(1000);
    t.show('first');
    vi.advanceTimersByTime(600);
    t.show('second');
    expect(t.text.value).toBe('second');
    vi.advanceTimersByTime(600);
    expect(t.text.value).toBe('second');
    vi.advanceTimersByTime(400);
    expect(t.text.value).toBeNull();
  });

  it('the same message shown again stays for the full time again', () => {
    const t = createToaster(1000);
    t.show('again');
    vi.advanceTimersByTime(900);
    t.show('again');
    vi.advanceTimersByTime(900);
    expect(t.text.value).toBe('again');
  });

  it('dispose stops the pending clear', () => {
    const t = createToaster(1000);
    t.show('bye');
    t.dispose();
    vi.advanceTimersByTime(5000);
    expect(t.text.value).toBe('bye');
    expect(vi.getTimerCount()).toBe(0);
  });
});
