/**
 * The new-session sheet, opened from the hub and the terminal's tools. Two tabs: a shell
 * session (name derived from the folder unless typed, shell, folder with autocomplete and a
 * browser, initial command, colour) and detected AI agents (one tap starts a session running
 * the agent). Server errors show inline and the form keeps what was typed.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useId, useRef } from 'preact/hooks';
import { api, type AgentInfo, type NewSession, type ShellsResponse } from '../api';
import { prefs } from '../state/prefs';
import { Sheet } from '../ui/Sheet';
import { FolderBrowser } from './FolderBrowser';
import { basename, deriveName } from './format';
import { rememberLaunch } from './launched';
import { windowSize } from './size';
import { agentCommand } from './workspaces';
import './newsession.css';

export interface NewSessionSheetProps {
  onClose: () => void;
  /** Called with the new session's id once it exists. */
  onCreated: (id: string) => void;
  /** The current terminal's size, sent so the new PTY starts at the right size. */
  cols?: number;
  rows?: number;
}

/** Session colours offered as swatches (the server's palette plus two), with spoken names. */
export const SWATCHES: { name: string; hex: string }[] = [
  { name: 'Blue', hex: '#4a9eff' },
  { name: 'Green', hex: '#4ade80' },
  { name: 'Amber', hex: '#fbbf24' },
  { name: 'Purple', hex: '#c084fc' },
  { name: 'Red', hex: '#f87171' },
  { name: 'Cyan', hex: '#22d3ee' },
  { name: 'Orange', hex: '#fb923c' },
  { name: 'Pink', hex: '#f472b6' },
  { name: 'Teal', hex: '#2dd4bf' },
  { name: 'Slate', hex: '#94a3b8' },
];

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The option value for the server's default shell (its `default` is a cmd, options use paths). */
function defaultShellPath(r: ShellsResponse): string {
  return r.shells.find((s) => s.cmd === r.default || s.path === r.default)?.path ?? r.default ?? '';
}

type Tab = 'shell' | 'agents';

export default function NewSessionSheet({ onClose, onCreated, cols, rows }: NewSessionSheetProps) {
  const p = prefs.value;
  const tab = useSignal<Tab>('shell');
  const shells = useSignal<ShellsResponse | null>(null);
  const agents = useSignal<AgentInfo[] | null>(null);
  const cwd = useSignal(p.defaultFolder);
  const name = useSignal(deriveName(p.defaultFolder));
  const nameEdited = useSignal(false);
  const shell = useSignal('');
  const cmd = useSignal(p.defaultInitialCommand);
  const color = useSignal('');
  const browsing = useSignal(false);
  const suggestions = useSignal<string[]>([]);
  const error = useSignal<string | null>(null);
  const busy = useSignal<string | null>(null);
  const ids = useId();
  const suggestTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const touch = typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;

  useEffect(() => {
    api
      .shells()
      .then((r) => {
        shells.value = r;
        if (!shell.value) shell.value = defaultShellPath(r);
      })
      .catch((err: unknown) => (error.value = message(err)));
    return () => {
      if (suggestTimer.current) clearTimeout(suggestTimer.current);
    };
  }, []);

  useEffect(() => {
    if (tab.value === 'agents' && agents.value === null) {
      api
        .agents()
        .then((a) => (agents.value = a))
        .catch((err: unknown) => {
          agents.value = [];
          error.value = message(err);
        });
    }
  }, [tab.value]);

  const setFolder = (value: string) => {
    cwd.value = value;
    if (!nameEdited.value) name.value = deriveName(value);
  };

  /** Autocomplete: the folders matching what is typed, as options of the field's datalist. */
  const suggest = (value: string) => {
    if (suggestTimer.current) clearTimeout(suggestTimer.current);
    if (!value.startsWith('/') && !/^[A-Za-z]:\\/.test(value)) {
      suggestions.value = [];
      return;
    }
    suggestTimer.current = setTimeout(() => {
      api
        .dirs(value)
        .then((r) => (suggestions.value = r.dirs.slice(0, 50)))
        .catch(() => (suggestions.value = []));
    }, 150);
  };

  const size = () => (cols && rows ? { cols, rows } : windowSize());

  const create = async (body: NewSession, agentId?: string) => {
    if (busy.value) return;
    busy.value = agentId ?? 'shell';
    error.value = null;
    try {
      const res = await api.createSession({ ...body, ...size() });
      if (agentId) rememberLaunch(res.id, agentId);
      onCreated(res.id);
    } catch (err) {
      error.value = message(err);
    } finally {
      busy.value = null;
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    const body: NewSession = {};
    const folder = cwd.value.trim();
    const finalName = name.value.trim() || deriveName(folder);
    if (finalName) body.name = finalName;
    const def = shells.value ? defaultShellPath(shells.value) : '';
    // Only send a shell the user picked: the server's default keeps its configured args.
    if (shell.value && shell.value !== def) body.shell = shell.value;
    if (folder) body.cwd = folder;
    if (cmd.value.trim()) body.initialCommand = cmd.value.trim();
    if (color.value) body.color = color.value;
    void create(body);
  };

  const launchAgent = (a: AgentInfo) => {
    const folder = cwd.value.trim();
    const where = basename(folder);
    const body: NewSession = { name: where ? `${a.name} · ${where}` : a.name, initialCommand: agentCommand(a) };
    if (folder) body.cwd = folder;
    if (color.value) body.color = color.value;
    void create(body, a.id);
  };

  const onTabKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    tab.value = tab.value === 'shell' ? 'agents' : 'shell';
    document.getElementById(`${ids}-tab-${tab.value}`)?.focus();
  };

  const bind = (sig: { value: string }) => ({
    value: sig.value,
    onInput: (e: Event) => (sig.value = (e.target as HTMLInputElement).value),
  });

  const folderField = (
    <div class="ns-folder">
      <label for={`${ids}-cwd`}>Folder</label>
      <div class="ns-folder-row">
        <input
          id={`${ids}-cwd`}
          name="cwd"
          list={`${ids}-dirs`}
          placeholder={shells.value?.cwd ?? 'server default'}
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          value={cwd.value}
          onInput={(e) => {
            const v = (e.target as HTMLInputElement).value;
            setFolder(v);
            suggest(v);
          }}
        />
        <button
          type="button"
          class="btn"
          aria-expanded={browsing.value}
          aria-controls={`${ids}-browser`}
          onClick={() => (browsing.value = !browsing.value)}
        >
          {browsing.value ? 'Hide folders' : 'Browse…'}
        </button>
      </div>
      <datalist id={`${ids}-dirs`}>
        {suggestions.value.map((d) => (
          <option key={d} value={d} />
        ))}
      </datalist>
      {browsing.value && (
        <div id={`${ids}-browser`}>
          <FolderBrowser start={cwd.value || shells.value?.cwd || ''} onPick={setFolder} />
        </div>
      )}
    </div>
  );

  const list = shells.value?.shells ?? [];
  const errorBox = error.value && (
    <p class="error ns-error" role="alert">
      {error.value}
    </p>
  );

  return (
    <Sheet title="New session" onClose={onClose} class="ns-sheet">
      <div class="ns-tabs" role="tablist" aria-label="Session type" onKeyDown={onTabKey}>
        {(['shell', 'agents'] as Tab[]).map((t) => (
          <button
            key={t}
            id={`${ids}-tab-${t}`}
            type="button"
            role="tab"
            class="ns-tab"
            aria-selected={tab.value === t}
            aria-controls={`${ids}-panel`}
            tabIndex={tab.value === t ? 0 : -1}
            onClick={() => (tab.value = t)}
          >
            {t === 'shell' ? 'Shell' : 'Agents'}
          </button>
        ))}
      </div>
      <div id={`${ids}-panel`} role="tabpanel" aria-labelledby={`${ids}-tab-${tab.value}`}>
        {tab.value === 'shell' ? (
          <form class="new-session" onSubmit={submit} aria-label="New session">
            <label>
              Name
              <input
                name="name"
                placeholder={deriveName(cwd.value) || 'optional'}
                autocomplete="off"
                autoFocus={!touch}
                value={name.value}
                onInput={(e) => {
                  const v = (e.target as HTMLInputElement).value;
                  name.value = v;
                  nameEdited.value = v !== '';
                }}
              />
            </label>
            <label>
              Shell
              <select name="shell" value={shell.value} onChange={(e) => (shell.value = (e.target as HTMLSelectElement).value)}>
                {!list.some((s) => s.path === shell.value) && <option value={shell.value}>{shell.value || 'default'}</option>}
                {list.map((s) => (
                  <option key={s.path} value={s.path}>
                    {s.name}
                    {shells.value && s.path === defaultShellPath(shells.value) ? ' (default)' : ''}
                  </option>
                ))}
              </select>
            </label>
            {folderField}
            <label>
              Initial command
              <input name="initialCommand" placeholder="optional, e.g. npm run dev" autocomplete="off" autocapitalize="off" spellcheck={false} {...bind(cmd)} />
            </label>
            <fieldset class="ns-colors">
              <legend>Colour</legend>
              <label class="swatch auto" title="Automatic">
                <input type="radio" name="color" value="" checked={color.value === ''} aria-label="Automatic colour" onChange={() => (color.value = '')} />
                <span aria-hidden="true">A</span>
              </label>
              {SWATCHES.map((s) => (
                <label key={s.hex} class="swatch" title={s.name} style={{ '--swatch': s.hex }}>
                  <input type="radio" name="color" value={s.hex} checked={color.value === s.hex} aria-label={s.name} onChange={() => (color.value = s.hex)} />
                  <span aria-hidden="true" />
                </label>
              ))}
            </fieldset>
            {errorBox}
            <div class="row ns-actions">
              <button type="button" class="btn" onClick={onClose}>
                Cancel
              </button>
              <button type="submit" class="btn primary" disabled={busy.value !== null}>
                {busy.value === 'shell' ? 'Starting…' : 'Create'}
              </button>
            </div>
          </form>
        ) : (
          <div class="ns-agents">
            {folderField}
            {errorBox}
            {agents.value === null ? (
              <p class="muted">Looking for AI agents on the server…</p>
            ) : agents.value.length === 0 ? (
              <p class="muted">No AI coding agents were found on the server’s PATH (Claude Code, Copilot, Aider, Codex, OpenCode).</p>
            ) : (
              <ul class="ns-agent-list" aria-label="Detected agents">
                {agents.value.map((a) => (
                  <li key={a.id}>
                    <button type="button" class="ns-agent" disabled={busy.value !== null} onClick={() => launchAgent(a)} aria-label={`Launch ${a.name}`}>
                      <span class="ns-agent-name">{a.name}</span>
                      <span class="muted ns-agent-meta">
                        {agentCommand(a)}
                        {a.version ? ` · ${a.version}` : ''}
                      </span>
                      <span class="ns-agent-go" aria-hidden="true">
                        {busy.value === a.id ? '…' : '▶'}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>
    </Sheet>
  );
}
