/**
 * Touch gestures on a terminal: one-finger vertical swipes scroll the scrollback with momentum
 * (or, in a full-screen app, become arrow keys / wheel reports so less, vim and htop scroll),
 * and a two-finger pinch changes the font size. Taps and long-presses are left to xterm.
 */
import type { Terminal } from '@xterm/xterm';
import { LineAccumulator, altScreenScroll, decay, pinchFontSize } from '../workspace/gestures';

export interface TouchTarget {
  term: Terminal;
  send(data: string): void;
  /** Apply a font size now (during a pinch). */
  previewFontSize(size: number): void;
  /** The pinch ended on this size: persist it. */
  commitFontSize(size: number): void;
}

/** Finger travel (px) before a touch counts as a scroll rather than a tap or long-press. */
const SLOP_PX = 10;

function distance(t: TouchList): number {
  return Math.hypot(t[0].clientX - t[1].clientX, t[0].clientY - t[1].clientY);
}

export interface TouchHandle {
  /** Stop a coasting scroll (e.g. the user jumped to the bottom). */
  stop(): void;
  dispose(): void;
}

/** This gesture is ours: no browser default, no xterm handler below. A move the browser has
 *  already taken (not cancelable) is only followed, never cancelled. */
function claim(e: TouchEvent): void {
  if (e.cancelable) e.preventDefault();
  e.stopPropagation();
}

export function installTouch(el: HTMLElement, target: TouchTarget): TouchHandle {
  const { term } = target;
  const lineHeight = () => {
    const screen = el.querySelector('.xterm-screen');
    return screen && term.rows > 0 ? screen.clientHeight / term.rows : 16;
  };
  const acc = new LineAccumulator(lineHeight);
  let startX = 0;
  let startY = 0;
  let lastY = 0;
  let lastT = 0;
  let velocity = 0; // px per ms, positive = finger moving down
  let scrolling = false;
  let pinch: { dist: number; size: number; current: number } | null = null;
  let raf = 0;

  const scrollPixels = (dy: number) => {
    const lines = acc.add(dy);
    if (lines === 0) return;
    const buf = term.buffer.active;
    if (buf.type === 'alternate') {
      const modes = term.modes;
      target.send(altScreenScroll(lines, { mouseTracking: modes.mouseTrackingMode, applicationCursor: modes.applicationCursorKeysMode }, Math.ceil(term.cols / 2), Math.ceil(term.rows / 2)));
    } else {
      term.scrollLines(-lines);
    }
  };

  const stopMomentum = () => {
    cancelAnimationFrame(raf);
    raf = 0;
  };

  const coast = () => {
    let prev = performance.now();
    const step = (now: number) => {
      const dt = Math.min(64, now - prev);
      prev = now;
      scrollPixels(velocity * dt);
      velocity = decay(velocity, dt);
      raf = velocity === 0 ? 0 : requestAnimationFrame(step);
    };
    raf = requestAnimationFrame(step);
  };

  const onStart = (e: TouchEvent) => {
    stopMomentum();
    if (e.touches.length === 2) {
      scrolling = false;
      const size = term.options.fontSize ?? 14;
      pinch = { dist: distance(e.touches), size, current: size };
      return;
    }
    if (e.touches.length !== 1) return;
    const t = e.touches[0];
    startX = t.clientX;
    startY = lastY = t.clientY;
    lastT = e.timeStamp;
    velocity = 0;
    scrolling = false;
    acc.reset();
  };

  const onMove = (e: TouchEvent) => {
    if (pinch && e.touches.length === 2) {
      claim(e);
      const size = pinchFontSize(pinch.size, pinch.dist, distance(e.touches));
      if (size !== pinch.current) {
        pinch.current = size;
        target.previewFontSize(size);
      }
      return;
    }
    if (e.touches.length !== 1 || pinch) return;
    // Chrome sends the rest of a sequence uncancelable when its first move was not cancelled,
    // so the moves inside the slop are cancelled too (xterm still sees them: no stop).
    if (e.cancelable) e.preventDefault();
    const t = e.touches[0];
    if (!scrolling) {
      const dy = t.clientY - startY;
      if (Math.abs(dy) < SLOP_PX || Math.abs(dy) < Math.abs(t.clientX - startX)) return;
      scrolling = true;
      lastY = t.clientY;
      lastT = e.timeStamp;
      return;
    }
    claim(e);
    const dy = t.clientY - lastY;
    const dt = Math.max(1, e.timeStamp - lastT);
    velocity = 0.8 * (dy / dt) + 0.2 * velocity;
    lastY = t.clientY;
    lastT = e.timeStamp;
    scrollPixels(dy);
  };

  const onEnd = (e: TouchEvent) => {
    if (pinch) {
      if (e.touches.length < 2) {
        if (pinch.current !== pinch.size) target.commitFontSize(pinch.current);
        pinch = null;
      }
      return;
    }
    if (scrolling && e.touches.length === 0) {
      scrolling = false;
      if (e.timeStamp - lastT > 100) velocity = 0; // the finger stopped before lifting
      if (Math.abs(velocity) > 0.1) coast();
    }
  };

  const opts: AddEventListenerOptions = { capture: true, passive: false };
  el.addEventListener('touchstart', onStart, opts);
  el.addEventListener('touchmove', onMove, opts);
  el.addEventListener('touchend', onEnd, opts);
  el.addEventListener('touchcancel', onEnd, opts);
  return {
    stop: stopMomentum,
    dispose: () => {
      stopMomentum();
      el.removeEventListener('touchstart', onStart, opts);
      el.removeEventListener('touchmove', onMove, opts);
      el.removeEventListener('touchend', onEnd, opts);
      el.removeEventListener('touchcancel', onEnd, opts);
    },
  };
}
