import { describe, expect, it } from 'vitest';
import { MAX_START_DELAY_MS, shouldShowSplash, type SplashInputs } from './shouldShow';

const base: SplashInputs = { path: '/', showSplash: true, reducedMotion: false, seenInTab: false, elapsedMs: 40 };

describe('shouldShowSplash', () => {
  it('shows on the first load of a tab with the default preferences', () => {
    expect(shouldShowSplash(base)).toBe(true);
    expect(shouldShowSplash({ ...base, path: '/terminal' })).toBe(true);
  });

  it('stays away when turned off, with reduced motion, or when the tab already had it', () => {
    expect(shouldShowSplash({ ...base, showSplash: false })).toBe(false);
    expect(shouldShowSplash({ ...base, reducedMotion: true })).toBe(false);
    expect(shouldShowSplash({ ...base, seenInTab: true })).toBe(false);
  });

  it('never shows on the login page, with or without a trailing slash', () => {
    expect(shouldShowSplash({ ...base, path: '/login' })).toBe(false);
    expect(shouldShowSplash({ ...base, path: '/login/' })).toBe(false);
  });

  it('is skipped when the preferences arrive too late to be a start screen', () => {
    expect(shouldShowSplash({ ...base, elapsedMs: MAX_START_DELAY_MS })).toBe(true);
    expect(shouldShowSplash({ ...base, elapsedMs: MAX_START_DELAY_MS + 1 })).toBe(false);
  });
});
