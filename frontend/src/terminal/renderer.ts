/** Which xterm.js renderer to use. */

export const RENDERER_KEY = 'termbeam.renderer';

/**
 * Renderer choice: localStorage `termbeam.renderer` = 'webgl' | 'dom' wins; otherwise WebGL on
 * fine-pointer (desktop) devices and xterm's DOM renderer on touch devices, where WebGL2
 * support is the least predictable and a blank terminal is the worst failure.
 */
export function wantWebgl(pref: string | null, coarsePointer: boolean): boolean {
  if (pref === 'webgl') return true;
  if (pref === 'dom') return false;
  return !coarsePointer;
}
