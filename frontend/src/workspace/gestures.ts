/**
 * Pure maths of the terminal's touch gestures: momentum decay after a swipe, what a scroll
 * becomes inside a full-screen app (arrow keys or mouse-wheel reports), and pinch-to-zoom
 * font sizes. The DOM wiring lives in terminal/touch.ts.
 */

export const FONT_MIN = 2;
export const FONT_MAX = 32;
/** Velocity is multiplied by this every 16 ms of coasting. */
export const FRICTION = 0.95;
/** Below this speed (px/ms) a coasting scroll stops. */
export const MIN_VELOCITY = 0.02;

export function clampFont(size: number): number {
  if (!Number.isFinite(size)) return 14;
  return Math.min(FONT_MAX, Math.max(FONT_MIN, Math.round(size)));
}

/** The font size for a pinch that started at `startDist` px with `startSize` and is now `dist` px apart. */
export function pinchFontSize(startSize: number, startDist: number, dist: number): number {
  if (startDist <= 0 || dist <= 0) return clampFont(startSize);
  return clampFont(startSize * (dist / startDist));
}

/** Velocity after coasting `dtMs` with friction; 0 once it is too slow to matter. */
export function decay(velocity: number, dtMs: number): number {
  const v = velocity * FRICTION ** (dtMs / 16);
  return Math.abs(v) < MIN_VELOCITY ? 0 : v;
}

/**
 * Tracks finger movement in pixels and turns it into whole lines, keeping the remainder so slow
 * swipes still scroll. Positive lines = towards older output (finger moving down).
 */
export class LineAccumulator {
  private carry = 0;

  constructor(private readonly lineHeight: () => number) {}

  add(dy: number): number {
    const h = Math.max(1, this.lineHeight());
    this.carry += dy;
    const lines = Math.trunc(this.carry / h);
    this.carry -= lines * h;
    return lines;
  }

  reset(): void {
    this.carry = 0;
  }
}

export interface AltScreenModes {
  /** xterm's `term.modes.mouseTrackingMode`. */
  mouseTracking: 'none' | 'x10' | 'vt200' | 'drag' | 'any';
  /** DECCKM: arrows are sent as ESC O A instead of ESC [ A. */
  applicationCursor: boolean;
}

/**
 * Input that scrolls a full-screen program by `lines` (positive = up/back in the text): SGR
 * mouse-wheel reports at (col,row) when the program tracks the mouse, else arrow keys.
 */
export function altScreenScroll(lines: number, modes: AltScreenModes, col = 1, row = 1): string {
  if (lines === 0) return '';
  const n = Math.min(Math.abs(lines), 50);
  const up = lines > 0;
  if (modes.mouseTracking !== 'none') {
    return `\x1b[<${up ? 64 : 65};${Math.max(1, col)};${Math.max(1, row)}M`.repeat(n);
  }
  const key = up ? 'A' : 'B';
  return (modes.applicationCursor ? `\x1bO${key}` : `\x1b[${key}`).repeat(n);
}
