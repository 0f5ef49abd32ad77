/**
 * REST calls of the in-app figures and program controls (#19): a session's activity
 * (GET /api/sessions/:id/stats), the machine (GET /api/machine), and starting, stopping and
 * restarting a program session.
 */
import { request, type SessionInfo } from '../api';

/** GET /api/sessions/:id/stats. */
export interface SessionStats {
  /** Bytes a second over the last ~10 s. */
  outputRate: number;
  bytesOut: number;
  bytesIn: number;
  /** Percent of one core; null until the server has sampled the session twice. */
  cpu: number | null;
  /** Resident memory of the session's processes; null until sampled. */
  rss: number | null;
  lastExitCode: number | null;
  viewers: number;
}

/** GET /api/machine. */
export interface MachineInfo {
  load: [number, number, number];
  cpus: number;
  memory: { total: number; available: number };
  disk: { path: string; total: number; free: number };
}

export type ProgramState = 'running' | 'backoff' | 'stopped' | 'exited' | 'failed';
export type RestartPolicy = 'no' | 'on-failure' | 'always';

/** `program` of a program session's JSON. */
export interface ProgramInfo {
  command: string;
  restart: RestartPolicy;
  maxRestarts: number;
  restarts: number;
  lastExitCode: number | null;
  state: ProgramState;
  nextRestartAt: string | null;
  backoffSeconds: number | null;
}

export type ProgramSession = SessionInfo & { type: 'program'; program: ProgramInfo };

/** POST /api/sessions for a program. */
export interface NewProgram {
  type: 'program';
  name?: string;
  command: string;
  cwd?: string;
  restart: RestartPolicy;
  maxRestarts: number;
  color?: string;
  cols?: number;
  rows?: number;
}

export type ProgramAction = 'start' | 'stop' | 'restart';

const session = (id: string) => `/api/sessions/${encodeURIComponent(id)}`;

export const metricsApi = {
  stats: (id: string) => request<SessionStats>(`${session(id)}/stats`),
  machine: () => request<MachineInfo>('/api/machine'),
  program: (id: string, action: ProgramAction) => request<SessionInfo>(`${session(id)}/${action}`, { method: 'POST' }),
  createProgram: (body: NewProgram) => request<{ id: string; url: string }>('/api/sessions', { method: 'POST', body }),
};

/** A program session of the list (the server says so by `type` and its `program` fields). */
export function isProgram(s: SessionInfo): s is ProgramSession {
  const p = (s as { program?: unknown }).program;
  return s.type === 'program' && !!p && typeof p === 'object';
}
