/** Upload rules the panel checks before sending anything (the server enforces them too). */
import { formatSize } from './paths';

/** The server's per-file limit for session uploads (10 MiB). */
export const UPLOAD_MAX = 10 * 1024 * 1024;

/** Why a file cannot be uploaded, or null when it can. */
export function refusal(file: { size: number }): string | null {
  if (file.size > UPLOAD_MAX) return `File too large (max ${formatSize(UPLOAD_MAX)})`;
  if (file.size === 0) return 'Empty file';
  return null;
}

/**
 * A string as its UTF-8 bytes, one char per byte: XHR header values must be Latin-1, and the
 * server reads header bytes as UTF-8, so "ü.txt" travels as the two bytes of "ü".
 */
export function utf8AsLatin1(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) out += String.fromCharCode(byte);
  return out;
}

/** Percent of `done` out of `total`, clamped to 0–100 and rounded down (100 only when done). */
export function percent(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}
