/**
 * The session file routes as the panels use them: listing (with optional dotfiles), text
 * content, download with progress (fetch + stream) and upload with progress (XHR, because
 * fetch reports no upload progress).
 */
import { ApiError, goToLogin, request } from '../api';
import { joinRel } from './paths';
import { utf8AsLatin1 } from './upload';

export interface FileEntry {
  name: string;
  type: 'file' | 'directory';
  size: number;
  modified: string | null;
}

export interface Listing {
  /** Absolute path of the listed folder. */
  base: string;
  /** Absolute path of the session's live cwd (the root every parameter is relative to). */
  rootDir: string;
  entries: FileEntry[];
  truncated?: boolean;
}

interface TreeNode {
  name: string;
  type: 'file' | 'directory';
  size?: number;
}

export interface Uploaded {
  name: string;
  path: string;
  size: number;
}

function sessionPath(sessionId: string, route: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}/${route}`;
}

/** URL of a file route (`download`, `file-raw`) for a root-relative path. */
export function fileUrl(route: 'download' | 'file-raw', sessionId: string, rel: string): string {
  return `${sessionPath(sessionId, route)}?file=${encodeURIComponent(rel)}`;
}

export function listFiles(sessionId: string, dir: string): Promise<Listing> {
  return request<Listing>(`${sessionPath(sessionId, 'files')}?dir=${encodeURIComponent(dir || '.')}`);
}

/**
 * The dot-entries of a folder. `/files` never lists them, so the hidden-files toggle asks the
 * one-level file tree (which does), without modification times.
 */
export async function hiddenEntries(sessionId: string, dir: string): Promise<FileEntry[]> {
  const url = `${sessionPath(sessionId, 'file-tree')}?depth=1&path=${encodeURIComponent(dir || '.')}`;
  const { tree } = await request<{ tree: TreeNode[] }>(url);
  return tree
    .filter((n) => n.name.startsWith('.'))
    .map((n) => ({ name: n.name, type: n.type, size: n.size ?? 0, modified: null }));
}

export function fileContent(sessionId: string, rel: string): Promise<{ content: string; name: string; size: number }> {
  return request(`${sessionPath(sessionId, 'file-content')}?file=${encodeURIComponent(rel)}`);
}

async function errorOf(res: Response): Promise<ApiError> {
  if (res.status === 401) goToLogin();
  let message = `Request failed (${res.status})`;
  try {
    const body = (await res.json()) as { error?: unknown };
    if (typeof body.error === 'string') message = body.error;
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, message);
}

/**
 * Fetch a file as a Blob, reporting (received, total) as it streams in; total is null when
 * the server sent no Content-Length.
 */
export async function downloadBlob(
  url: string,
  onProgress: (received: number, total: number | null) => void,
  signal?: AbortSignal,
): Promise<Blob> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'same-origin', signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'Cannot reach the server');
  }
  if (!res.ok) throw await errorOf(res);
  const length = Number(res.headers.get('Content-Length'));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  const type = res.headers.get('Content-Type') ?? 'application/octet-stream';
  if (!res.body) return res.blob();
  const reader = res.body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let received = 0;
  onProgress(0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    onProgress(received, total);
  }
  return new Blob(chunks, { type });
}

/** Hand a Blob to the browser as a download named `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the save in some browsers; a minute is plenty.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export interface UploadHandle {
  done: Promise<Uploaded>;
  abort: () => void;
}

/** The error text of a finished XHR (the server's `{error}` when there is one). */
function xhrError(xhr: XMLHttpRequest): ApiError {
  let message = `Upload failed (${xhr.status})`;
  try {
    const body = JSON.parse(xhr.responseText) as { error?: unknown };
    if (typeof body.error === 'string') message = body.error;
  } catch {
    /* not JSON */
  }
  return new ApiError(xhr.status, message);
}

/**
 * Upload one file into `targetDir` (absolute; the session cwd when empty) with progress in
 * bytes. `abort()` cancels it; `done` then rejects with an ApiError of status 0 "Cancelled".
 */
export function uploadFile(
  sessionId: string,
  file: Blob & { name: string },
  targetDir: string,
  onProgress: (sent: number, total: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<Uploaded>((resolve, reject) => {
    xhr.open('POST', sessionPath(sessionId, 'upload'));
    xhr.withCredentials = true;
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    // Header values are bytes: send the UTF-8 bytes of the name, which the server decodes.
    xhr.setRequestHeader('X-Filename', utf8AsLatin1(file.name));
    if (targetDir) xhr.setRequestHeader('X-Target-Dir', utf8AsLatin1(targetDir));
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status === 201) {
        try {
          resolve(JSON.parse(xhr.responseText) as Uploaded);
        } catch {
          reject(new ApiError(xhr.status, 'Unexpected answer from the server'));
        }
        return;
      }
      if (xhr.status === 401) goToLogin();
      reject(xhrError(xhr));
    };
    xhr.onerror = () => reject(new ApiError(0, 'Upload failed: network error'));
    xhr.onabort = () => reject(new ApiError(0, 'Cancelled'));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

/** Root-relative path of an entry in a listed folder. */
export function entryPath(dir: string, entry: FileEntry): string {
  return joinRel(dir, entry.name);
}
