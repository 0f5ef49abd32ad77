/**
 * Paste for the key bar and the terminal page: clipboard images are uploaded (POST
 * /api/upload) and their server path is typed; text is sent as a terminal paste, bracketed
 * when the application asked for it.
 */
import type { Terminal } from '@xterm/xterm';
import { ApiError, goToLogin } from '../api';
import { errorText } from '../errorText';
import { encodePaste, shellQuote } from './encode';

export interface PasteContext {
  send: (data: string) => void;
  term: Terminal | null;
}

/** Upload an image; resolves to its path on the server. */
export async function uploadImage(blob: Blob): Promise<string> {
  let res: Response;
  try {
    res = await fetch('/api/upload', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': blob.type || 'application/octet-stream' },
      body: blob,
    });
  } catch {
    throw new ApiError(0, 'Cannot reach the server');
  }
  if (res.status === 401) goToLogin();
  const body = (await res.json().catch(() => ({}))) as { path?: string; error?: string };
  if (!res.ok || typeof body.path !== 'string') {
    throw new ApiError(res.status, body.error ?? `Upload failed (${res.status})`);
  }
  return body.path;
}

/** Send text as a paste: CR line breaks, wrapped when bracketed paste mode is on. */
export function sendPasteText(text: string, ctx: PasteContext): void {
  if (!text) return;
  ctx.send(encodePaste(text, ctx.term?.modes.bracketedPasteMode ?? false));
}

async function sendImage(blob: Blob, ctx: PasteContext): Promise<void> {
  const path = await uploadImage(blob);
  ctx.send(shellQuote(path));
}

export type PasteOutcome = 'sent' | 'empty' | 'denied';

/**
 * The Paste key: an image on the clipboard is uploaded, otherwise its text is pasted.
 * 'denied' means the browser would not let us read the clipboard (show a paste box instead).
 * Upload failures reject with the server's message.
 */
export async function pasteFromClipboard(ctx: PasteContext): Promise<PasteOutcome> {
  const clip = navigator.clipboard;
  if (!clip) return 'denied';
  if (typeof clip.read === 'function') {
    let items: ClipboardItems | null = null;
    try {
      items = await clip.read();
    } catch {
      items = null; // denied or unsupported: readText below may still work
    }
    if (items) {
      for (const item of items) {
        const image = item.types.find((t) => t.startsWith('image/'));
        if (image) {
          await sendImage(await item.getType(image), ctx);
          return 'sent';
        }
      }
      for (const item of items) {
        if (item.types.includes('text/plain')) {
          const text = await (await item.getType('text/plain')).text();
          if (!text) return 'empty';
          sendPasteText(text, ctx);
          return 'sent';
        }
      }
      return 'empty';
    }
  }
  if (typeof clip.readText !== 'function') return 'denied';
  try {
    const text = await clip.readText();
    if (!text) return 'empty';
    sendPasteText(text, ctx);
    return 'sent';
  } catch {
    return 'denied';
  }
}

/**
 * For the terminal page's `paste` listener (capture phase, on the terminal's container):
 * takes over pastes that carry an image (uploads it and types its path) and returns true;
 * returns false for text, which xterm.js pastes itself. `onError` receives upload failures.
 */
export function handlePasteEvent(
  e: ClipboardEvent,
  ctx: PasteContext & { onError?: (message: string) => void },
): boolean {
  const files = Array.from(e.clipboardData?.items ?? [])
    .filter((item) => item.kind === 'file' && item.type.startsWith('image/'))
    .map((item) => item.getAsFile())
    .filter((f): f is File => f !== null);
  if (files.length === 0) return false;
  e.preventDefault();
  e.stopPropagation();
  void sendImage(files[0], ctx).catch((err: unknown) =>
    ctx.onError?.(errorText(err, 'Upload failed')),
  );
  return true;
}
