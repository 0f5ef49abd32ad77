/** The terminal bell: a short beep while the page is visible, a notification while it is hidden. */
import { prefs } from '../state/prefs';

const MIN_INTERVAL_MS = 1000;
let last = 0;
let audio: AudioContext | null = null;

function beep(): void {
  try {
    audio ??= new AudioContext();
    const ctx = audio;
    if (ctx.state === 'suspended') void ctx.resume();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.12);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.12);
  } catch {
    /* no audio before the first user gesture, or no WebAudio at all */
  }
}

/** Ring for `sessionName`; rate-limited so a `yes $'\a'` cannot spam. */
export function ringBell(sessionName: string): void {
  const now = Date.now();
  if (now - last < MIN_INTERVAL_MS) return;
  last = now;
  if (document.visibilityState === 'hidden') {
    if (prefs.value.notifications && 'Notification' in window && Notification.permission === 'granted') {
      try {
        new Notification(`Bell in ${sessionName}`, { tag: `termbeam-bell-${sessionName}` });
      } catch {
        /* Android Chrome only allows notifications from the service worker */
      }
    }
    return;
  }
  beep();
}
