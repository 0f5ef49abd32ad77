/** The pure rule for whether this page load starts with the splash screen (see Splash.tsx). */

/** The longest wait for the server's preferences: by then the app is in use and a late splash would only get in the way. */
export const MAX_START_DELAY_MS = 1000;

export interface SplashInputs {
  /** location.pathname of this load. */
  path: string;
  /** prefs.showSplash, as known once the server copy has arrived (or failed to). */
  showSplash: boolean;
  /** The user asked the OS for less motion; the wordmark is nothing but motion. */
  reducedMotion: boolean;
  /** The splash was already decided on an earlier load in this tab (sessionStorage). */
  seenInTab: boolean;
  /** Milliseconds from the app's start until the preferences became known. */
  elapsedMs: number;
}

export function shouldShowSplash(inp: SplashInputs): boolean {
  const path = inp.path.replace(/\/+$/, '') || '/';
  if (path === '/login') return false; // no session yet, and the login form wants focus at once
  return inp.showSplash && !inp.reducedMotion && !inp.seenInTab && inp.elapsedMs <= MAX_START_DELAY_MS;
}
