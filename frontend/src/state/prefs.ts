/**
 * User preferences, shared by every screen: a signal hydrated from a localStorage cache for the
 * first paint, then from GET /api/preferences (the server's answer wins). Changes go through
 * `updatePrefs`, which applies them at once and PUTs the whole object after a 300 ms debounce,
 * one request in flight at a time.
 */
import { signal } from '@preact/signals';
import { request } from '../api';
import { errorText } from '../errorText';

export type KeyStyle = 'plain' | 'accent' | 'danger' | 'custom';
export type KeyModifier = 'ctrl' | 'alt' | 'shift' | 'meta';
export type KeyAction = 'mic' | 'copy' | 'paste' | 'cancel' | 'newline';

/** One touch-bar key as stored in prefs (server limits: 32 keys, rows 1–3, cols 1–8, size 1–8). */
export interface TouchKey {
  id: string;
  label?: string;
  send?: string;
  modifier?: KeyModifier;
  action?: KeyAction;
  size?: number;
  row?: number;
  col?: number;
  bg?: string;
  color?: string;
  style?: KeyStyle | string;
}

export interface WorkspaceSession {
  id: string;
  name: string;
  kind?: 'agent' | 'shell' | 'program';
  cwd?: string;
  initialCommand?: string;
  agentId?: string;
  shell?: string;
  color?: string;
  /** Record the session from its start (#19, docs/recordings.md). */
  record?: boolean;
  /** A program entry's command line and restart policy (#19, docs/programs.md). */
  command?: string;
  restart?: 'no' | 'on-failure' | 'always';
  maxRestarts?: number;
  backoffMax?: number;
  env?: Record<string, string>;
}

export interface Workspace {
  id: string;
  name: string;
  sessions: WorkspaceSession[];
  default?: boolean;
}

/** The terminal's font: the bundled JetBrains Mono + Nerd Font icons, or the system monospace. */
export type TerminalFontPref = 'bundled' | 'system';

export interface Prefs {
  themeId: string;
  fontSize: number;
  terminalFont: TerminalFontPref;
  notifications: boolean;
  haptics: boolean;
  showSplash: boolean;
  /** A stop of the server leaves the sessions running for the next one (--keep-sessions). */
  keepSessions: boolean;
  /** Plain Ctrl+K / Ctrl+F open Tools and Find in a shell too (off: they are the shell's). */
  ctrlShortcuts: boolean;
  particleDissolve: boolean;
  touchBarCollapsed: boolean;
  defaultFolder: string;
  defaultInitialCommand: string;
  /** null: the built-in default key layout. */
  touchBarKeys: TouchKey[] | null;
  startupWorkspace: { enabled: boolean; sessions: WorkspaceSession[] };
  workspaces: Workspace[];
}

export const DEFAULT_PREFS: Prefs = {
  themeId: 'dark',
  fontSize: 14,
  terminalFont: 'bundled',
  notifications: false,
  haptics: true,
  showSplash: true,
  keepSessions: false,
  ctrlShortcuts: false,
  particleDissolve: true,
  touchBarCollapsed: false,
  defaultFolder: '',
  defaultInitialCommand: '',
  touchBarKeys: null,
  startupWorkspace: { enabled: false, sessions: [] },
  workspaces: [],
};

const CACHE_KEY = 'termbeam-prefs';
const DEBOUNCE_MS = 300;

/** Merge a partial (possibly foreign) object over the defaults, keeping only known keys of the right type. */
export function mergePrefs(base: Prefs, patch: unknown): Prefs {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return base;
  const out: Prefs = { ...base };
  const src = patch as Record<string, unknown>;
  for (const key of Object.keys(DEFAULT_PREFS) as (keyof Prefs)[]) {
    if (!(key in src)) continue;
    const value = src[key];
    const def = DEFAULT_PREFS[key];
    const ok =
      key === 'touchBarKeys'
        ? value === null || Array.isArray(value)
        : key === 'terminalFont'
          ? value === 'bundled' || value === 'system'
          : Array.isArray(def)
          ? Array.isArray(value)
          : def !== null && typeof def === 'object'
            ? !!value && typeof value === 'object' && !Array.isArray(value)
            : typeof value === typeof def;
    if (ok) (out as unknown as Record<string, unknown>)[key] = value;
  }
  return out;
}

function readCache(): Prefs {
  try {
    const raw = localStorage.getItem(CACHE_KEY);
    return raw ? mergePrefs(DEFAULT_PREFS, JSON.parse(raw)) : DEFAULT_PREFS;
  } catch {
    return DEFAULT_PREFS;
  }
}

function writeCache(p: Prefs): void {
  try {
    localStorage.setItem(CACHE_KEY, JSON.stringify(p));
  } catch {
    /* storage full or blocked: the server copy still holds */
  }
}

/** The current preferences. Read it in components; change it only through `updatePrefs`. */
export const prefs = signal<Prefs>(readCache());
/** Set when the last save failed (e.g. the server is unreachable); cleared by the next success. */
export const prefsError = signal<string | null>(null);

let timer: ReturnType<typeof setTimeout> | null = null;
let inFlight = false;
let dirty = false;
/** Counts local edits, so a GET answered after an edit cannot overwrite it with older data. */
let edits = 0;

async function flush(): Promise<void> {
  timer = null;
  if (inFlight) {
    dirty = true;
    return;
  }
  inFlight = true;
  dirty = false;
  try {
    const res = await request<{ prefs: unknown }>('/api/preferences', { method: 'PUT', body: { prefs: prefs.value } });
    // The server's cleaned copy is authoritative, unless newer local edits are queued.
    if (!dirty && timer === null) {
      prefs.value = mergePrefs(DEFAULT_PREFS, res.prefs);
      writeCache(prefs.value);
    }
    prefsError.value = null;
  } catch (err) {
    prefsError.value = errorText(err, 'Could not save settings');
  } finally {
    inFlight = false;
    if (dirty && timer === null) void flush();
  }
}

/** Apply a change now (UI updates at once) and save it to the server shortly after. */
export function updatePrefs(patch: Partial<Prefs>): void {
  edits++;
  prefs.value = mergePrefs(prefs.value, patch);
  writeCache(prefs.value);
  if (timer !== null) clearTimeout(timer);
  timer = setTimeout(() => void flush(), DEBOUNCE_MS);
}

/** Fetch the server copy (skipped while local edits are pending). Safe to call repeatedly. */
export async function loadPrefs(): Promise<void> {
  try {
    const before = edits;
    const res = await request<{ prefs: unknown }>('/api/preferences');
    if (timer !== null || inFlight || edits !== before) return;
    prefs.value = mergePrefs(DEFAULT_PREFS, res.prefs);
    writeCache(prefs.value);
  } catch {
    /* offline or logged out: the cache stays */
  }
}
