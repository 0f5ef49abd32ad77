/**
 * Pointer handling for the key bar's keys: arrows repeat while held, a long press on any other
 * key opens the key editor, and a click (pointer or keyboard) presses the key.
 */
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { TouchKey } from '../state/prefs';
import { haptic } from './feedback';

export const REPEAT_DELAY_MS = 400;
export const REPEAT_INTERVAL_MS = 80;
const LONG_PRESS_MS = 650;

export interface PointerKeyActions {
  /** Send an arrow's payload once (modifiers applied); returns what to repeat. */
  sendOnce: (payload: string) => string;
  /** Send what `sendOnce` returned again. */
  resend: (data: string) => void;
  press: (k: TouchKey) => void;
  longPress: () => void;
}

export interface KeyPointer {
  onPointerDown: (e: PointerEvent, k: TouchKey, repeats: boolean) => void;
  onPointerEnd: () => void;
  onClick: (e: MouseEvent, k: TouchKey, repeats: boolean) => void;
}

export function usePointerKeys(actions: PointerKeyActions): KeyPointer {
  const latest = useRef(actions);
  latest.current = actions;
  const timers = useMemo(() => {
    const repeat: { timer: ReturnType<typeof setTimeout> | null; interval: ReturnType<typeof setInterval> | null } = { timer: null, interval: null };
    const long: { timer: ReturnType<typeof setTimeout> | null; fired: boolean } = { timer: null, fired: false };
    const stopRepeat = () => {
      if (repeat.timer) clearTimeout(repeat.timer);
      if (repeat.interval) clearInterval(repeat.interval);
      repeat.timer = repeat.interval = null;
      window.removeEventListener('pointerup', stopRepeat);
      window.removeEventListener('blur', stopRepeat);
    };
    const cancelLongPress = () => {
      if (long.timer) clearTimeout(long.timer);
      long.timer = null;
    };
    /** Arrows repeat while held: one send now, then every REPEAT_INTERVAL_MS after a delay. */
    const startRepeat = (payload: string) => {
      stopRepeat();
      haptic();
      const data = latest.current.sendOnce(payload);
      // A release the key never sees (a sheet opened over it, the app lost focus) still stops it.
      window.addEventListener('pointerup', stopRepeat);
      window.addEventListener('blur', stopRepeat);
      repeat.timer = setTimeout(() => {
        repeat.interval = setInterval(() => latest.current.resend(data), REPEAT_INTERVAL_MS);
      }, REPEAT_DELAY_MS);
    };
    return { long, stopRepeat, cancelLongPress, startRepeat };
  }, []);
  const { long, stopRepeat, cancelLongPress, startRepeat } = timers;

  useEffect(
    () => () => {
      stopRepeat();
      cancelLongPress();
    },
    [],
  );

  const onPointerDown = (e: PointerEvent, k: TouchKey, repeats: boolean) => {
    e.preventDefault();
    if (e.button !== 0) return;
    if (repeats) return startRepeat(k.send!);
    long.fired = false;
    cancelLongPress();
    long.timer = setTimeout(() => {
      long.fired = true;
      haptic();
      latest.current.longPress();
    }, LONG_PRESS_MS);
  };
  const onPointerEnd = () => {
    stopRepeat();
    cancelLongPress();
  };
  const onClick = (e: MouseEvent, k: TouchKey, repeats: boolean) => {
    // Pointer presses of repeating keys were sent on pointerdown; keyboard clicks have detail 0.
    if (repeats && e.detail !== 0) return;
    if (long.fired) {
      long.fired = false;
      if (e.detail !== 0) return; // the release of the long-press that opened the editor
    }
    latest.current.press(k);
  };
  return { onPointerDown, onPointerEnd, onClick };
}
