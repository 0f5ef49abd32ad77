/** What a key press feels like: a short vibration, and never stealing focus from the terminal. */
import { prefs } from '../state/prefs';

export function haptic(): void {
  try {
    if (prefs.value.haptics && typeof navigator.vibrate === 'function') navigator.vibrate(15);
  } catch {
    /* vibration blocked (e.g. no user gesture yet) */
  }
}

/** Keep the soft keyboard up: a pointerdown that is not cancelled would move focus. */
export const keepFocus = (e: Event) => e.preventDefault();
