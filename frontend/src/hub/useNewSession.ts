/**
 * The new-session sheet's state: the form fields, the server's shells and agents (each asked
 * for once, agents only when their tab opens), folder suggestions, and creating the session.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { api, type AgentInfo, type NewSession, type ShellsResponse } from '../api';
import { errorText } from '../errorText';
import { prefs } from '../state/prefs';
import { basename, deriveName } from './format';
import { useFolderSuggestions } from './useFolderSuggestions';
import { rememberLaunch } from './launched';
import { windowSize } from './size';
import { agentCommand } from './workspaces';

/** The sheet's tabs: a shell, an agent, or a program kept running (#19). */
export type Tab = 'shell' | 'agents' | 'program';

/** The option value for the server's default shell (its `default` is a cmd, options use paths). */
export function defaultShellPath(r: ShellsResponse): string {
  return r.shells.find((s) => s.cmd === r.default || s.path === r.default)?.path ?? r.default ?? '';
}

export interface NewSessionOptions {
  onCreated: (id: string) => void;
  cols?: number;
  rows?: number;
}

export function useNewSession({ onCreated, cols, rows }: NewSessionOptions) {
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
  const error = useSignal<string | null>(null);
  const busy = useSignal<string | null>(null);
  const { suggestions, suggest } = useFolderSuggestions();

  useEffect(() => {
    api
      .shells()
      .then((r) => {
        shells.value = r;
        if (!shell.value) shell.value = defaultShellPath(r);
      })
      .catch((err: unknown) => (error.value = errorText(err)));
  }, []);

  useEffect(() => {
    if (tab.value === 'agents' && agents.value === null) {
      api
        .agents()
        .then((a) => (agents.value = a))
        .catch((err: unknown) => {
          agents.value = [];
          error.value = errorText(err);
        });
    }
  }, [tab.value]);

  const setFolder = (value: string) => {
    cwd.value = value;
    if (!nameEdited.value) name.value = deriveName(value);
  };

  const setName = (value: string) => {
    name.value = value;
    nameEdited.value = value !== '';
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
      error.value = errorText(err);
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
    const body: NewSession = { name: where ? `${a.name} · ${where}` : a.name, initialCommand: agentCommand(a), type: 'agent', agent: a.id };
    if (folder) body.cwd = folder;
    if (color.value) body.color = color.value;
    void create(body, a.id);
  };

  return {
    tab,
    shells,
    agents,
    cwd,
    name,
    shell,
    cmd,
    color,
    browsing,
    suggestions,
    error,
    busy,
    setFolder,
    setName,
    suggest,
    submit,
    launchAgent,
  };
}

export type NewSessionState = ReturnType<typeof useNewSession>;
