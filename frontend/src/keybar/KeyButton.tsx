/** One key of the key bar, placed in its grid cell, with its modifier or listening state. */
import type { ModState } from './sticky';
import { keyLabel, keyName, keyStyle, type PlacedKey } from './keys';
import { isArrowKey } from './encode';
import { keepFocus } from './feedback';
import type { KeyPointer } from './usePointerKeys';

export interface KeyButtonProps {
  placed: PlacedKey;
  /** The state of this key's modifier, when it is one. */
  modState: ModState | null;
  mic: { listening: boolean; locked: boolean; supported: boolean };
  pointer: KeyPointer;
}

function keyTitle(placed: PlacedKey, micOk: boolean): string | undefined {
  const k = placed.key;
  const mic = k.action === 'mic';
  if (k.modifier) return `${keyName(k)}: tap for the next key, double-tap to lock`;
  if (mic && !micOk) return 'Voice input is not supported in this browser';
  return mic ? 'Tap to dictate; swipe up to keep listening until the next tap' : undefined;
}

export function KeyButton({ placed, modState, mic: micState, pointer }: KeyButtonProps) {
  const { key: k, row, col, span } = placed;
  const repeats = !k.modifier && !k.action && !!k.send && isArrowKey(k.send);
  const style = keyStyle(k);
  const mic = k.action === 'mic';
  const { listening, locked: micLocked, supported: micOk } = micState;
  const cls = ['kb-key', `kb-${style}`, modState && modState !== 'off' ? `kb-${modState}` : '', mic && listening ? 'kb-listening' : '', mic && micLocked ? 'kb-locked' : '', mic && !micOk ? 'kb-unavailable' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <button
      type="button"
      class={cls}
      style={{
        gridRow: row,
        gridColumn: `${col} / span ${span}`,
        ...(style === 'custom' ? { background: k.bg, color: k.color, borderColor: k.bg } : {}),
        // The mic follows a swipe up (voice lock), which the browser must not take as a pan.
        ...(mic ? { touchAction: 'none' } : {}),
      }}
      aria-label={modState === 'locked' || (mic && micLocked) ? `${keyName(k)} (locked)` : keyName(k)}
      aria-pressed={modState ? modState !== 'off' : mic ? listening : undefined}
      aria-disabled={mic && !micOk ? 'true' : undefined}
      title={keyTitle(placed, micOk)}
      data-key={k.id}
      onPointerDown={(e) => pointer.onPointerDown(e, k, repeats)}
      onPointerMove={pointer.onPointerMove}
      onPointerUp={pointer.onPointerEnd}
      onPointerCancel={pointer.onPointerEnd}
      onPointerLeave={pointer.onPointerEnd}
      onContextMenu={keepFocus}
      onClick={(e) => pointer.onClick(e, k, repeats)}
    >
      {keyLabel(k)}
    </button>
  );
}
