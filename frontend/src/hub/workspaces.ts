/**
 * Workspaces: named sets of sessions kept in prefs.workspaces, launched from the hub (and the
 * settings panel) in one tap. Pure helpers build and edit workspaces and the launch plan;
 * `launchWorkspace` runs the plan against the API.
 */
import { api, type AgentInfo, type NewSession, type SessionInfo, type ShellsResponse } from '../api';
import { errorText } from '../errorText';
import type { Workspace, WorkspaceSession } from '../state/prefs';

/** Server limits (prefs sanitiser): at most 16 workspaces of 16 sessions, names ≤128 chars. */
export const MAX_WORKSPACES = 16;
export const MAX_WORKSPACE_SESSIONS = 16;
const MAX_NAME = 128;
const HEX = /^#[0-9a-fA-F]{3,8}$/;

export function newId(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Quote one argument for a POSIX shell when it needs it. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line that starts an agent (`gh copilot`, `claude`, …). */
export function agentCommand(agent: Pick<AgentInfo, 'cmd' | 'args'>): string {
  return [agent.cmd, ...(agent.args ?? [])].map(shellQuote).join(' ');
}

/** The stored shell if the server still offers it (by path or command), else null (= default). */
export function resolveShell(stored: string | undefined, shells: ShellsResponse | null): string | null {
  if (!stored || !shells) return null;
  const hit = shells.shells.find((s) => s.path === stored || s.cmd === stored);
  if (!hit) return null;
  // The default shell is sent as "no shell" so the server keeps its configured arguments.
  return hit.cmd === shells.default || hit.path === shells.default ? null : hit.path;
}

/** One POST body per workspace session, in order. */
export function planLaunch(ws: Workspace, shells: ShellsResponse | null, agents: AgentInfo[], size?: { cols: number; rows: number }): NewSession[] {
  return ws.sessions.slice(0, MAX_WORKSPACE_SESSIONS).map((s) => {
    const body: NewSession = { name: s.name };
    if (s.cwd) body.cwd = s.cwd;
    if (s.record) body.recording = true;
    if (s.kind === 'program') return Object.assign(body, programFields(s), size ?? {});
    const agent = s.kind === 'agent' ? agents.find((a) => a.id === s.agentId) : undefined;
    const cmd = s.initialCommand || (agent ? agentCommand(agent) : '');
    if (cmd) body.initialCommand = cmd;
    if (agent) Object.assign(body, { type: 'agent', agent: agent.id });
    if (s.color && HEX.test(s.color)) body.color = s.color;
    const shell = resolveShell(s.shell, shells);
    if (shell) body.shell = shell;
    if (size) Object.assign(body, size);
    return body;
  });
}

/** A program entry's part of its POST body: the server checks the values again. */
function programFields(s: WorkspaceSession): NewSession {
  const body: NewSession = { type: 'program', command: s.command ?? '' };
  if (s.restart) body.restart = s.restart;
  if (s.maxRestarts !== undefined) body.maxRestarts = s.maxRestarts;
  if (s.backoffMax !== undefined) body.backoffMax = s.backoffMax;
  if (s.env && Object.keys(s.env).length) body.env = s.env;
  return body;
}

/** What a running program session saves of itself: its command and restart policy. */
interface ProgramOfSession {
  command?: unknown;
  restart?: unknown;
  maxRestarts?: unknown;
  backoffMax?: unknown;
}

/** A workspace entry describing a running session (agent sessions keep their agent, programs
 * their command and policy, recording sessions that they record). */
export function entryFromSession(s: SessionInfo, agent?: AgentInfo | null): WorkspaceSession {
  const entry: WorkspaceSession = { id: newId(), name: s.name.slice(0, MAX_NAME) || 'session', kind: 'shell', cwd: s.cwd, shell: s.shell };
  if (s.color && HEX.test(s.color)) entry.color = s.color;
  if (s.recording) entry.record = true;
  const program = (s as { program?: ProgramOfSession | null }).program;
  if (s.type === 'program' && program && typeof program.command === 'string') {
    const { restart, maxRestarts, backoffMax } = program;
    Object.assign(entry, { kind: 'program', command: program.command });
    if (restart === 'no' || restart === 'on-failure' || restart === 'always') entry.restart = restart;
    if (typeof maxRestarts === 'number') entry.maxRestarts = maxRestarts;
    if (typeof backoffMax === 'number') entry.backoffMax = backoffMax;
    delete entry.shell;
    return entry;
  }
  if (agent) {
    entry.kind = 'agent';
    entry.agentId = agent.id;
    entry.initialCommand = agentCommand(agent);
  }
  return entry;
}

/** A new workspace holding the given sessions. */
export function workspaceFromSessions(name: string, sessions: SessionInfo[], agentFor: (s: SessionInfo) => AgentInfo | null = () => null): Workspace {
  return {
    id: newId(),
    name: name.trim().slice(0, MAX_NAME) || 'Workspace',
    sessions: sessions.slice(0, MAX_WORKSPACE_SESSIONS).map((s) => entryFromSession(s, agentFor(s))),
  };
}

/** Add (or replace, when one has the same name) a workspace; the list stays within the limit. */
export function upsertWorkspace(list: Workspace[], ws: Workspace): Workspace[] {
  const same = list.findIndex((w) => w.name === ws.name);
  if (same >= 0) return list.map((w, i) => (i === same ? { ...ws, id: w.id, default: w.default } : w));
  return [...list, ws].slice(-MAX_WORKSPACES);
}

export function renameWorkspace(list: Workspace[], id: string, name: string): Workspace[] {
  const clean = name.trim().slice(0, MAX_NAME);
  return clean ? list.map((w) => (w.id === id ? { ...w, name: clean } : w)) : list;
}

export function removeWorkspace(list: Workspace[], id: string): Workspace[] {
  return list.filter((w) => w.id !== id);
}

/** A name not yet used: "Workspace 1", "Workspace 2", … */
export function suggestName(list: Workspace[]): string {
  const names = new Set(list.map((w) => w.name));
  for (let n = list.length + 1; ; n++) if (!names.has(`Workspace ${n}`)) return `Workspace ${n}`;
}

export interface LaunchResult {
  /** Ids of the sessions created, in workspace order. */
  ids: string[];
  /** One line per session that failed: `name: server error`. */
  errors: string[];
}

/**
 * Create every session of a workspace (one POST each, in order, so names and colours come out
 * as stored). A session whose stored shell is gone falls back to the default shell; a failure
 * is reported and the rest still launch.
 */
export async function launchWorkspace(ws: Workspace, size?: { cols: number; rows: number }): Promise<LaunchResult> {
  const [shells, agents] = await Promise.all([api.shells().catch(() => null), api.agents().catch(() => [] as AgentInfo[])]);
  const result: LaunchResult = { ids: [], errors: [] };
  for (const body of planLaunch(ws, shells, agents, size)) {
    try {
      result.ids.push((await api.createSession(body)).id);
    } catch (err) {
      result.errors.push(`${body.name ?? 'session'}: ${errorText(err)}`);
    }
  }
  return result;
}
