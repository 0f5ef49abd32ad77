/**
 * The start-up splash: a typed-out "TermBeam" wordmark over the app for about 1.2 s, then a fade.
 * Decorative only: aria-hidden, and `pointer-events: none` so it never blocks input: taps and
 * keys reach the app underneath, and a document-level listener ends the splash on the first one.
 */
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { prefs } from '../state/prefs';
import { shouldShowSplash } from './shouldShow';
import './splash.css';

const SEEN_KEY = 'termbeam.splashShown';
const HOLD_MS = 1200;
const FADE_MS = 250;

type Phase = 'off' | 'show' | 'leave';

/** Read and set the per-tab flag: a reload in the same tab must not replay the splash. */
function takeSeenFlag(): boolean {
  try {
    const seen = sessionStorage.getItem(SEEN_KEY) === '1';
    sessionStorage.setItem(SEEN_KEY, '1');
    return seen;
  } catch {
    return true; // storage blocked: better no splash than one on every navigation
  }
}

/** Record the decision on <html data-splash="shown|skipped">, so styles and tests can tell it was made. */
function mark(decision: 'shown' | 'skipped'): void {
  document.documentElement.dataset.splash = decision;
}

function reducedMotion(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/** `prefsLoaded`: the first GET /api/preferences (null on pages that do not load preferences). */
export function Splash({ prefsLoaded }: { prefsLoaded: Promise<void> | null }) {
  const [phase, setPhase] = useState<Phase>('off');

  useEffect(() => {
    if (!prefsLoaded) {
      mark('skipped');
      return;
    }
    let cancelled = false;
    const seenInTab = takeSeenFlag();
    const started = performance.now();
    // Wait for the server's copy: a stale cache (or none) must not flash a splash the user turned off.
    void prefsLoaded.then(() => {
      if (cancelled) return;
      const show = shouldShowSplash({
        path: location.pathname,
        showSplash: prefs.value.showSplash,
        reducedMotion: reducedMotion(),
        seenInTab,
        elapsedMs: performance.now() - started,
      });
      mark(show ? 'shown' : 'skipped');
      if (show) setPhase('show');
    });
    return () => {
      cancelled = true;
    };
  }, [prefsLoaded]);

  // Layout effect: the skip listeners must be in place before the overlay is first painted,
  // or a tap that lands right as it appears (a slow device) would not end it.
  useLayoutEffect(() => {
    if (phase === 'off') return;
    const skip = () => setPhase('off');
    const timer = setTimeout(() => setPhase(phase === 'show' ? 'leave' : 'off'), phase === 'show' ? HOLD_MS : FADE_MS);
    const opts = { capture: true, passive: true } as const;
    document.addEventListener('pointerdown', skip, opts);
    document.addEventListener('keydown', skip, opts);
    return () => {
      clearTimeout(timer);
      document.removeEventListener('pointerdown', skip, opts);
      document.removeEventListener('keydown', skip, opts);
    };
  }, [phase]);

  if (phase === 'off') return null;
  return (
    <div class="splash" data-phase={phase} aria-hidden="true">
      <span class="splash-word" />
    </div>
  );
}
