/**
 * Keeps the CSS variable --app-height equal to the visual viewport height so
 * the on-screen keyboard never hides the terminal's cursor line (iOS Safari
 * ignores interactive-widget=resizes-content; 100dvh is the CSS fallback).
 */
export function trackVisualViewport(onChange?: () => void): () => void {
  const vv = window.visualViewport;
  const root = document.documentElement;
  const update = (): void => {
    const h = vv ? vv.height : window.innerHeight;
    root.style.setProperty('--app-height', `${Math.round(h)}px`);
    root.style.setProperty('--app-top', `${vv ? Math.round(vv.offsetTop) : 0}px`);
    onChange?.();
  };
  update();
  vv?.addEventListener('resize', update);
  vv?.addEventListener('scroll', update);
  window.addEventListener('resize', update);
  return () => {
    vv?.removeEventListener('resize', update);
    vv?.removeEventListener('scroll', update);
    window.removeEventListener('resize', update);
  };
}
