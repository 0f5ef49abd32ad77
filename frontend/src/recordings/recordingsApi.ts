/** REST calls of session recordings (#19): list, fetch a .cast, delete, turn recording on/off. */
import { ApiError, goToLogin, request, type SessionInfo } from '../api';

/** One recording part as GET /api/recordings lists it. */
export interface RecordingInfo {
  id: string;
  sessionId: string;
  sessionName: string;
  startedAt: string;
  endedAt: string | null;
  bytes: number;
  /** Seconds, real time (idle pauses included). */
  duration: number;
  /** 1-based; above 1 after the previous part filled up. */
  part: number;
  /** Whether keystrokes were recorded too. */
  input: boolean;
  /** Still being written. */
  active: boolean;
  marks: number;
}

const path = (id: string) => `/api/recordings/${encodeURIComponent(id)}`;

export const recordingsApi = {
  /** Newest first; only `sessionId`'s when given. */
  list: (sessionId?: string) =>
    request<RecordingInfo[]>(sessionId ? `/api/recordings?session=${encodeURIComponent(sessionId)}` : '/api/recordings'),
  remove: (id: string) => request<void>(path(id), { method: 'DELETE' }),
  /** Where the browser downloads the .cast file from (the server names it). */
  downloadUrl: path,
  /** The .cast text, for the player. */
  async text(id: string, signal?: AbortSignal): Promise<string> {
    let res: Response;
    try {
      res = await fetch(path(id), { credentials: 'same-origin', signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ApiError(0, 'Cannot reach the server');
    }
    if (res.status === 401) goToLogin();
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: unknown } | null;
      throw new ApiError(res.status, typeof body?.error === 'string' ? body.error : `Request failed (${res.status})`);
    }
    return res.text();
  },
  /**
   * Start or stop recording a session (`recording`), and whether its keystrokes are recorded
   * (`recordInput`, also alone on a session being recorded). Answers the session's fields.
   */
  patch: (sessionId: string, body: { recording?: boolean; recordInput?: boolean }) =>
    request<SessionInfo>(`/api/sessions/${encodeURIComponent(sessionId)}`, { method: 'PATCH', body }),
};
