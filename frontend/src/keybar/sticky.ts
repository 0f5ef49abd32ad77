/**
 * Sticky modifiers. Tapping Ctrl/Alt/Shift/Meta on the key bar latches it for the next key;
 * a second tap within DOUBLE_TAP_MS locks it until tapped again. The latch applies to the
 * next key-bar key and to the next soft-keyboard input: the terminal workspace passes every
 * term.onData chunk through `transformSoftInput`.
 */
import { signal } from '@preact/signals';
import type { KeyModifier } from '../state/prefs';
import { anyMod, modifyInput, NO_MODS, type Mods } from './encode';

export type ModState = 'off' | 'latched' | 'locked';
export type ModStates = Record<KeyModifier, ModState>;

export const DOUBLE_TAP_MS = 350;

const ALL_OFF: ModStates = { ctrl: 'off', alt: 'off', shift: 'off', meta: 'off' };

/**
 * The state machine, pure apart from the clock it is given:
 * off --tap--> latched --tap within DOUBLE_TAP_MS--> locked --tap--> off;
 * latched --later tap--> off; consume(): latched → off, locked stays.
 */
export class StickyModifiers {
  private states: ModStates = { ...ALL_OFF };
  private lastTap: { mod: KeyModifier; at: number } | null = null;

  constructor(private readonly onChange: (s: ModStates) => void = () => {}) {}

  get(): ModStates {
    return { ...this.states };
  }

  tap(mod: KeyModifier, now: number): ModState {
    const prev = this.states[mod];
    const quick = this.lastTap?.mod === mod && now - this.lastTap.at <= DOUBLE_TAP_MS;
    const next: ModState = prev === 'off' ? 'latched' : prev === 'latched' && quick ? 'locked' : 'off';
    this.lastTap = { mod, at: now };
    this.set({ ...this.states, [mod]: next });
    return next;
  }

  /** The modifiers in force now (latched or locked). */
  active(): Mods {
    const on = (m: KeyModifier) => this.states[m] !== 'off';
    return { ctrl: on('ctrl'), alt: on('alt'), shift: on('shift'), meta: on('meta') };
  }

  /** Take the active modifiers for one key press: latched ones turn off, locked ones stay. */
  consume(): Mods {
    const mods = this.active();
    if (!anyMod(mods)) return NO_MODS;
    const next = { ...this.states };
    for (const m of Object.keys(next) as KeyModifier[]) if (next[m] === 'latched') next[m] = 'off';
    this.set(next);
    return mods;
  }

  reset(): void {
    this.lastTap = null;
    this.set({ ...ALL_OFF });
  }

  /** A soft-keyboard chunk with the active modifiers applied (unchanged when none apply). */
  transform(data: string): string {
    const mods = this.active();
    if (!anyMod(mods)) return data;
    const out = modifyInput(data, mods);
    if (out === null) return data; // e.g. a terminal query reply: keep the latch for the user's key
    this.consume();
    return out;
  }

  private set(next: ModStates): void {
    const changed = (Object.keys(next) as KeyModifier[]).some((m) => next[m] !== this.states[m]);
    this.states = next;
    if (changed) this.onChange({ ...next });
  }
}

/** The page's modifier states, for drawing the latch on the keys. */
export const modStates = signal<ModStates>({ ...ALL_OFF });

/** The one set of sticky modifiers the key bar and the soft keyboard share. */
export const sticky = new StickyModifiers((s) => (modStates.value = s));

export function transformSoftInput(data: string): string {
  return sticky.transform(data);
}
