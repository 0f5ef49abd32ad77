/**
 * The settings sheet: appearance, notifications and feedback, touch bar, new-session
 * defaults and saved workspaces. Every change goes through updatePrefs (applied at once,
 * saved to the server shortly after); a failed save shows prefsError.
 */
import { useSignal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';
import { prefs, prefsError, updatePrefs, type Prefs, type TerminalFontPref, type Workspace } from '../state/prefs';
import { ConfirmSheet } from '../ui/ConfirmSheet';
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';
import { useLazy } from '../ui/useLazy';
import { moveItem, renameWorkspace, toggleDefaultWorkspace } from './logic';
import { PushToggle } from './PushToggle';
import { ThemePicker } from './ThemePicker';
import { ActivitySection } from './ActivitySection';
import { TokensSection } from './TokensSection';
import { TotpSection } from './TotpSection';
import { DevicesSection } from './DevicesSection';
import './settings.css';

const FONT_MIN = 10;
const FONT_MAX = 24;

type BoolKey = { [K in keyof Prefs]: Prefs[K] extends boolean ? K : never }[keyof Prefs];

function Section({ title, children }: { title: string; children: ComponentChildren }) {
  const id = useId();
  return (
    <section class="settings-section" aria-labelledby={id}>
      <h3 id={id}>{title}</h3>
      {children}
    </section>
  );
}

function Toggle({ pref, label, hint }: { pref: BoolKey; label: string; hint?: string }) {
  return (
    <label class="toggle-row">
      <input type="checkbox" role="switch" checked={prefs.value[pref]} onChange={(e) => updatePrefs({ [pref]: e.currentTarget.checked })} />
      <span>
        {label}
        {hint && <span class="hint">{hint}</span>}
      </span>
    </label>
  );
}

function FontSize() {
  const id = useId();
  const size = Math.min(FONT_MAX, Math.max(FONT_MIN, prefs.value.fontSize));
  return (
    <div class="field">
      <label for={id}>
        Terminal font size <output for={id}>{size} px</output>
      </label>
      <input
        id={id}
        type="range"
        min={FONT_MIN}
        max={FONT_MAX}
        step={1}
        value={size}
        aria-valuetext={`${size} pixels`}
        onInput={(e) => updatePrefs({ fontSize: Number(e.currentTarget.value) })}
      />
    </div>
  );
}

const FONT_CHOICES: { value: TerminalFontPref; label: string }[] = [
  // Short enough for a 390 px phone's select; the hint below says what the icons are for.
  { value: 'bundled', label: 'JetBrains Mono Nerd Font (bundled)' },
  { value: 'system', label: 'System monospace' },
];

function TerminalFont() {
  const id = useId();
  const hint = useId();
  return (
    <div class="field">
      <label for={id}>Terminal font</label>
      <select
        id={id}
        aria-describedby={hint}
        value={prefs.value.terminalFont}
        onChange={(e) => updatePrefs({ terminalFont: e.currentTarget.value as TerminalFontPref })}
      >
        {FONT_CHOICES.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
      <span id={hint} class="hint">
        The bundled font shows prompt and file icons (starship, powerlevel10k, eza --icons) without installing anything.
      </span>
    </div>
  );
}

function TextPref({ pref, label, placeholder }: { pref: 'defaultFolder' | 'defaultInitialCommand'; label: string; placeholder: string }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="text"
        spellcheck={false}
        autocapitalize="off"
        autocomplete="off"
        placeholder={placeholder}
        value={prefs.value[pref]}
        onInput={(e) => updatePrefs({ [pref]: e.currentTarget.value })}
      />
    </div>
  );
}

function WorkspaceRow({ ws, index, count }: { ws: Workspace; index: number; count: number }) {
  const list = prefs.value.workspaces;
  const set = (workspaces: Workspace[]) => updatePrefs({ workspaces });
  const n = ws.sessions.length;
  // What is being typed, kept apart from prefs until committed: a save landing meanwhile
  // re-renders the row and must not put the old name back into the field.
  const draft = useSignal<string | null>(null);
  const confirming = useSignal(false);
  const commit = () => {
    const name = draft.value?.trim();
    draft.value = null;
    if (name && name !== ws.name) set(renameWorkspace(prefs.value.workspaces, ws.id, name));
  };
  return (
    <li class="workspace-row">
      <input
        type="text"
        class="workspace-name"
        aria-label={`Name of workspace ${index + 1}`}
        value={draft.value ?? ws.name}
        maxLength={128}
        onInput={(e) => (draft.value = e.currentTarget.value)}
        onChange={commit}
        onBlur={commit}
      />
      <span class="muted workspace-count">
        {n} session{n === 1 ? '' : 's'}
      </span>
      <div class="workspace-actions">
        <button type="button" class={`btn small${ws.default ? ' primary' : ''}`} aria-pressed={!!ws.default} onClick={() => set(toggleDefaultWorkspace(list, ws.id))}>
          Default
        </button>
        <button type="button" class="btn small icon" aria-label={`Move ${ws.name} up`} disabled={index === 0} onClick={() => set(moveItem(list, index, -1))}>
          ↑
        </button>
        <button type="button" class="btn small icon" aria-label={`Move ${ws.name} down`} disabled={index === count - 1} onClick={() => set(moveItem(list, index, 1))}>
          ↓
        </button>
        <button
          type="button"
          class="btn small icon danger"
          aria-label={`Delete ${ws.name}`}
          onClick={() => (confirming.value = true)}
        >
          ×
        </button>
      </div>
      {confirming.value && (
        <ConfirmSheet
          title="Delete workspace?"
          confirm="Delete"
          onConfirm={() => set(prefs.value.workspaces.filter((w) => w.id !== ws.id))}
          onClose={() => (confirming.value = false)}
        >
          <p>
            <strong>{ws.name}</strong> is forgotten. Running sessions are not affected.
          </p>
        </ConfirmSheet>
      )}
    </li>
  );
}

function Workspaces() {
  const list = prefs.value.workspaces;
  const startup = prefs.value.startupWorkspace;
  return (
    <>
      {list.length === 0 ? (
        <p class="muted">No saved workspaces yet. On the session list, “Save current sessions as workspace” keeps the sessions you have open.</p>
      ) : (
        <ul class="workspace-list" aria-label="Saved workspaces">
          {list.map((ws, i) => (
            <WorkspaceRow key={ws.id} ws={ws} index={i} count={list.length} />
          ))}
        </ul>
      )}
      <label class="toggle-row">
        <input
          type="checkbox"
          role="switch"
          checked={startup.enabled}
          onChange={(e) => updatePrefs({ startupWorkspace: { ...startup, enabled: e.currentTarget.checked } })}
        />
        <span>
          Open the startup workspace when the server starts
          <span class="hint">
            {startup.sessions.length} session{startup.sessions.length === 1 ? '' : 's'} in it
          </span>
        </span>
      </label>
    </>
  );
}

/** The key editor replaces this sheet while open (one modal at a time), loaded on first use. */
function useKeyEditor() {
  const editor = useLazy(() => import('../keybar/KeyEditorPanel').then((m) => m.default));
  const shown = useSignal(false);
  const open = () => {
    editor.load().then(
      () => (shown.value = true),
      () => {}, // shown through editor.failed
    );
  };
  return {
    Editor: shown.value ? editor.value.value : null,
    loadError: editor.failed.value ? 'Could not load the key editor. Reload the page.' : null,
    open,
    close: () => (shown.value = false),
  };
}

export default function SettingsPanel(props: PanelProps) {
  const { onClose } = props;
  const keys = useKeyEditor();
  const Editor = keys.Editor;
  if (Editor) return <Editor {...props} onClose={keys.close} />;
  return (
    <Sheet title="Settings" onClose={onClose} class="settings-sheet">
      {prefsError.value && (
        <p class="error" role="alert">
          Settings could not be saved: {prefsError.value}
        </p>
      )}
      <Section title="Appearance">
        <ThemePicker />
        <FontSize />
        <TerminalFont />
      </Section>
      <Section title="Notifications & feedback">
        <PushToggle />
        <Toggle pref="haptics" label="Vibrate on key presses" hint="On phones that support it" />
        <Toggle pref="showSplash" label="Show the splash screen at start" />
        <Toggle pref="particleDissolve" label="Animate closing sessions" />
      </Section>
      <Section title="Keyboard">
        <Toggle
          pref="ctrlShortcuts"
          label="Plain Ctrl+K and Ctrl+F open Tools and Find"
          hint="Off: the shell gets them (kill to the end of the line, forward one character). Ctrl+Shift+K and Ctrl+Shift+F (⌘K, ⌘F on a Mac) always open ours"
        />
      </Section>
      <Section title="Touch bar">
        <Toggle pref="touchBarCollapsed" label="Start collapsed" />
        <button type="button" class="btn" onClick={keys.open}>
          Customize keys…
        </button>
        {keys.loadError && (
          <p class="error" role="alert">
            {keys.loadError}
          </p>
        )}
      </Section>
      <Section title="Sessions">
        <Toggle
          pref="keepSessions"
          label="Keep sessions when the server stops"
          hint="Ctrl+C or the shutdown button leave your shells running; the next termbeam picks them up"
        />
      </Section>
      <Section title="New-session defaults">
        <TextPref pref="defaultFolder" label="Folder" placeholder="The server's working folder" />
        <TextPref pref="defaultInitialCommand" label="Initial command" placeholder="e.g. git status" />
      </Section>
      <Section title="Workspaces">
        <Workspaces />
      </Section>
      <Section title="Security">
        <TotpSection />
        <DevicesSection />
        <TokensSection />
        <ActivitySection />
      </Section>
    </Sheet>
  );
}
