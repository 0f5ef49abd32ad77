/** Text zoom for the markdown viewer: A−/A+, Ctrl+wheel and a two-finger pinch. */
import { useSignal } from '@preact/signals';
import { useRef } from 'preact/hooks';

const ZOOM_MIN = 0.6;
const ZOOM_MAX = 2.4;
const ZOOM_STEP = 0.1;

function clampZoom(z: number): number {
  return Math.round(Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, z)) * 10) / 10;
}

export function useZoom() {
  const zoom = useSignal(1);
  // Two-finger pinch scales the text (the page itself keeps its size: touch-action in CSS).
  const pinch = useRef<{ distance: number; zoom: number } | null>(null);
  const spread = (t: TouchList) => Math.hypot(t[0].clientX - t[1].clientX, t[0].clientY - t[1].clientY);

  const step = (up: boolean) => (zoom.value = clampZoom(zoom.value + (up ? ZOOM_STEP : -ZOOM_STEP)));
  const onTouchStart = (e: TouchEvent) => {
    pinch.current = e.touches.length === 2 ? { distance: spread(e.touches), zoom: zoom.value } : null;
  };
  const onTouchMove = (e: TouchEvent) => {
    const start = pinch.current;
    if (!start || e.touches.length !== 2 || start.distance === 0) return;
    e.preventDefault();
    zoom.value = clampZoom(start.zoom * (spread(e.touches) / start.distance));
  };
  const onTouchEnd = () => (pinch.current = null);
  const onWheel = (e: WheelEvent) => {
    if (!e.ctrlKey) return;
    e.preventDefault();
    step(e.deltaY < 0);
  };
  return { zoom: zoom.value, step, handlers: { onWheel, onTouchStart, onTouchMove, onTouchEnd } };
}
