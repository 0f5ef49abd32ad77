/**
 * What the agent panels ask of the server: the history list, a resume command, and a new
 * terminal session (retried without its folder when the server refuses that folder).
 */
import { api, request, type NewSession } from '../api';
import { rememberLaunch } from '../hub/launched';
import { windowSize } from '../hub/size';
import { isCwdRefusal, parseSessions, resumeCommandPath, sessionsPath, type AgentSession, type HistoryQuery } from './history';

export async function fetchHistory(q: HistoryQuery): Promise<AgentSession[]> {
  return parseSessions(await request<unknown>(sessionsPath(q)));
}

export async function fetchResumeCommand(s: AgentSession): Promise<string> {
  const res = await request<{ command?: unknown }>(resumeCommandPath(s));
  if (typeof res?.command !== 'string' || !res.command) throw new Error('The server sent no resume command');
  return res.command;
}

export interface Started {
  id: string;
  /** The folder the server refused (so the session runs in its default folder), else null. */
  droppedCwd: string | null;
}

/** POST /api/sessions; a refused cwd (deleted folder, other machine's path) is retried without it. */
export async function startSession(body: NewSession, agentId: string): Promise<Started> {
  const sized: NewSession = { ...body, ...windowSize() };
  let id: string;
  let droppedCwd: string | null = null;
  try {
    id = (await api.createSession(sized)).id;
  } catch (err) {
    if (!body.cwd || !isCwdRefusal(err)) throw err;
    const { cwd: _dropped, ...rest } = sized;
    id = (await api.createSession(rest)).id;
    droppedCwd = body.cwd;
  }
  // The hub's Agent chip and "save as workspace" then know this is an agent session.
  rememberLaunch(id, agentId);
  return { id, droppedCwd };
}

/** A full load of the workspace on the new session: it opens as the active tab. */
export function openTerminal(id: string): void {
  location.href = `/terminal?id=${encodeURIComponent(id)}`;
}

/** True when the clipboard took `text`; false on insecure origins or a refusal. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
