/**
 * REST client for the termbeam server: typed wrappers around fetch.
 * Errors carry the server's `{error}` text; any 401 sends the browser to /login.
 */

export interface GitStatusBadge {
  clean: boolean;
  modified: number;
  staged: number;
  untracked: number;
  ahead: number;
  behind: number;
  summary: string;
}

export interface GitInfo {
  branch?: string;
  repoName?: string | null;
  provider?: string | null;
  status?: GitStatusBadge;
  [key: string]: unknown;
}

export interface SessionInfo {
  id: string;
  name: string;
  cwd: string;
  shell: string;
  pid: number;
  clients: number;
  createdAt: string;
  color?: string;
  lastActivity?: number | string;
  git?: GitInfo | null;
  /** Adopted by this server after a restart: the session outlived the server process. */
  restored?: boolean;
  /** "agent" for a session started to run an AI coding agent; "program" for a program kept
   * running (#19, its `program` fields: hub/metricsApi.ts). */
  type?: 'terminal' | 'agent' | 'program';
  /** The agent's id (GET /api/agents) for an agent session. */
  agent?: string | null;
  /** Its output is being recorded (#19). */
  recording?: boolean;
  /** Its keystrokes are recorded too. */
  recordingInput?: boolean;
}

export interface ShellInfo {
  name: string;
  path: string;
  cmd: string;
}

export interface ShellsResponse {
  shells: ShellInfo[];
  default: string;
  cwd: string;
}

export interface NewSession {
  type?: 'terminal' | 'agent' | 'program';
  /** With type "program": what it runs and how it is kept running (docs/programs.md). */
  command?: string;
  restart?: 'no' | 'on-failure' | 'always';
  maxRestarts?: number;
  backoffMax?: number;
  env?: Record<string, string>;
  /** Record from the start (docs/recordings.md). */
  recording?: boolean;
  /** With type "agent": the agent's id, so every device's hub shows it. */
  agent?: string;
  name?: string;
  shell?: string;
  cwd?: string;
  initialCommand?: string;
  color?: string;
  cols?: number;
  rows?: number;
}

/** An AI coding agent found on the server's PATH (GET /api/agents). */
export interface AgentInfo {
  id: string;
  name: string;
  cmd: string;
  args: string[];
  icon: string;
  version: string;
}

/** GET /api/dirs: absolute subdirectory paths of `base`; `exists:false` when it cannot be read. */
export interface DirsResponse {
  base: string;
  dirs: string[];
  truncated: boolean;
  exists?: boolean;
}

export type DetectedPort = { detected: true; port: number } | { detected: false };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function goToLogin(): void {
  // A view-only link's page reloads itself: a dead link gets its own page, not the login.
  if (location.pathname === '/view') location.reload();
  else if (location.pathname !== '/login') location.href = '/login';
}

/** sessionStorage key: when the page last reloaded for a tunnel's login page. */
const TUNNEL_RELOAD_KEY = 'termbeam-tunnel-reload';
/** At most one such reload per this many ms, so a page that keeps coming back never loops. */
export const TUNNEL_RELOAD_MS = 30_000;

/**
 * A tunnel (DevTunnel's, Cloudflare Access…) answered an API call with its own login page
 * instead of our JSON: its session ran out. Reloading shows that page to the user, who logs in
 * and lands back here. Returns whether a reload was started.
 */
export function reloadForTunnelLogin(
  now = Date.now(),
  storage: Pick<Storage, 'getItem' | 'setItem'> = sessionStorage,
  reload: () => void = () => location.reload(),
): boolean {
  const last = Number(storage.getItem(TUNNEL_RELOAD_KEY) ?? 0);
  if (now - last < TUNNEL_RELOAD_MS && now >= last) return false;
  storage.setItem(TUNNEL_RELOAD_KEY, String(now));
  reload();
  return true;
}

/** Whether a 200 answer is something other than our JSON (a proxy's or tunnel's page). */
export function notOurJson(res: Response): boolean {
  const type = res.headers.get('Content-Type') ?? '';
  return res.status !== 204 && !/^application\/json\b/i.test(type);
}

async function errorText(res: Response): Promise<string> {
  try {
    const body: unknown = await res.json();
    if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') {
      return (body as { error: string }).error;
    }
  } catch {
    /* not JSON */
  }
  return `Request failed (${res.status})`;
}

interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Do not redirect to /login on 401 (the login form itself). */
  allow401?: boolean;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const init: RequestInit = { method: opts.method ?? 'GET', credentials: 'same-origin', headers: {} };
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    init.headers = { 'Content-Type': 'application/json' };
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'Cannot reach the server');
  }
  if (res.status === 401 && !opts.allow401) {
    goToLogin();
    throw new ApiError(401, 'Unauthorized');
  }
  if (!res.ok) throw new ApiError(res.status, await errorText(res));
  if (res.status === 204) return undefined as T;
  if (notOurJson(res)) {
    reloadForTunnelLogin();
    throw new ApiError(res.status, 'The tunnel asks you to log in again: reload the page');
  }
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  config: () => request<{ passwordRequired: boolean }>('/api/config', { allow401: true }),
  login: (password: string) =>
    request<{ ok: boolean }>('/api/auth', { method: 'POST', body: { password }, allow401: true }),
  sessions: () => request<SessionInfo[]>('/api/sessions'),
  shells: () => request<ShellsResponse>('/api/shells'),
  createSession: (body: NewSession) =>
    request<{ id: string; url: string }>('/api/sessions', { method: 'POST', body }),
  deleteSession: (id: string) => request<void>(`/api/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  detectPort: (id: string) => request<DetectedPort>(`/api/sessions/${encodeURIComponent(id)}/detect-port`),
  updateSession: (id: string, patch: { name?: string; color?: string }) =>
    request<{ ok: boolean }>(`/api/sessions/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch }),
  agents: () => request<{ agents: AgentInfo[] }>('/api/agents').then((r) => (Array.isArray(r?.agents) ? r.agents : [])),
  /** Folder suggestions: `q` ending in a separator lists that folder, else filters by prefix. */
  dirs: (q?: string) => request<DirsResponse>(q ? `/api/dirs?q=${encodeURIComponent(q)}` : '/api/dirs'),
  version: () => request<{ version: string }>('/api/version', { allow401: true }),
  /** A one-time login link (5 min, single use); 404 when the server has no password. */
  shareToken: () => request<{ url: string }>('/api/share-token'),
};
