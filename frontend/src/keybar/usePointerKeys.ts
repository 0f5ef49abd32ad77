/**
 * Pointer handling for the key bar's keys: arrows repeat while held, a long press on any other
 * key opens the key editor, a swipe up from the mic locks voice input on, and a click (pointer
 * or keyboard) presses the key.
 */
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { TouchKey } from '../state/prefs';
import { haptic } from './feedback';

export const REPEAT_DELAY_MS = 400;
export const REPEAT_INTERVAL_MS = 80;
const LONG_PRESS_MS = 650;
/** In a key row that scrolls, how long a touch on an arrow must stay put to start repeating. */
export const SCROLL_ROW_HOLD_MS = 250;
/** How far up (CSS px) a touch on the mic must travel to lock voice input on. */
export const LOCK_SWIPE_PX = 40;

/** The key sits in a row that scrolls sideways (a landscape phone's one-row bar): a touch
 *  there may be the start of a swipe, which the browser takes with a pointercancel. */
function inScrollingRow(e: PointerEvent): boolean {
  const row = (e.currentTarget as HTMLElement | null)?.parentElement;
  return e.pointerType !== 'mouse' && !!row && row.scrollWidth > row.clientWidth;
}

export interface PointerKeyActions {
  /** Send an arrow's payload once (modifiers applied); returns what to repeat. */
  sendOnce: (payload: string) => string;
  /** Send what `sendOnce` returned again. */
  resend: (data: string) => void;
  press: (k: TouchKey) => void;
  longPress: () => void;
  /** A swipe up from the mic key. */
  lockMic: () => void;
}

export interface KeyPointer {
  onPointerDown: (e: PointerEvent, k: TouchKey, repeats: boolean) => void;
  onPointerMove: (e: PointerEvent) => void;
  onPointerEnd: () => void;
  onClick: (e: MouseEvent, k: TouchKey, repeats: boolean) => void;
}

export function usePointerKeys(actions: PointerKeyActions): KeyPointer {
  const latest = useRef(actions);
  latest.current = actions;
  const timers = useMemo(() => {
    const repeat: { timer: ReturnType<typeof setTimeout> | null; interval: ReturnType<typeof setInterval> | null } = { timer: null, interval: null };
    const long: { timer: ReturnType<typeof setTimeout> | null; fired: boolean } = { timer: null, fired: false };
    // An arrow touched in a scrolling row: nothing is sent until the touch is a tap (its click
    // sends) or a hold (repeats start); a swipe is cancelled by the browser and sends nothing.
    const held: { timer: ReturnType<typeof setTimeout> | null; repeating: boolean } = { timer: null, repeating: false };
    const stopRepeat = () => {
      if (held.timer) clearTimeout(held.timer);
      held.timer = null;
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
    const holdThenRepeat = (payload: string) => {
      stopRepeat();
      held.repeating = false;
      held.timer = setTimeout(() => {
        held.timer = null;
        held.repeating = true;
        startRepeat(payload);
      }, SCROLL_ROW_HOLD_MS);
    };
    /** A touch on the mic key, followed until it locks voice input or ends; a lock eats the
     *  click that may follow the release. */
    const swipe: { start: { x: number; y: number; id: number } | null; swallow: boolean } = { start: null, swallow: false };
    return { long, held, swipe, stopRepeat, cancelLongPress, startRepeat, holdThenRepeat };
  }, []);
  const { long, held, swipe, stopRepeat, cancelLongPress, startRepeat, holdThenRepeat } = timers;

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
    swipe.swallow = false;
    swipe.start = null;
    if (k.action === 'mic') {
      swipe.start = { x: e.clientX, y: e.clientY, id: e.pointerId };
      // Keep getting its moves once the finger leaves the key on its way up.
      (e.currentTarget as Element | null)?.setPointerCapture?.(e.pointerId);
    }
    if (repeats) {
      held.repeating = true; // a press that sends at once; its click must not send again
      return inScrollingRow(e) ? holdThenRepeat(k.send!) : startRepeat(k.send!);
    }
    long.fired = false;
    cancelLongPress();
    long.timer = setTimeout(() => {
      long.fired = true;
      haptic();
      latest.current.longPress();
    }, LONG_PRESS_MS);
  };
  const onPointerMove = (e: PointerEvent) => {
    const start = swipe.start;
    if (!start || e.pointerId !== start.id) return;
    const up = start.y - e.clientY;
    if (up >= LOCK_SWIPE_PX && up > 2 * Math.abs(e.clientX - start.x)) {
      swipe.start = null;
      swipe.swallow = true;
      cancelLongPress();
      haptic();
      latest.current.lockMic();
    }
  };
  const onPointerEnd = () => {
    swipe.start = null;
    stopRepeat();
    cancelLongPress();
  };
  const onClick = (e: MouseEvent, k: TouchKey, repeats: boolean) => {
    if (swipe.swallow && e.detail !== 0) {
      swipe.swallow = false; // the release of the swipe that locked the mic
      return;
    }
    // Pointer presses of repeating keys were sent on pointerdown or by their hold (keyboard
    // clicks have detail 0); a tap on an arrow in a scrolling row sends here.
    if (repeats && e.detail !== 0 && held.repeating) return;
    if (long.fired) {
      long.fired = false;
      if (e.detail !== 0) return; // the release of the long-press that opened the editor
    }
    latest.current.press(k);
  };
  return { onPointerDown, onPointerMove, onPointerEnd, onClick };
}
