/** Port preview helpers: validate a port typed by the user and build the URL that opens it. */

/** The port as a number when `text` is an integer from 1 to 65535, else null. */
export function parsePort(text: string): number | null {
  const s = text.trim();
  if (!/^\d{1,5}$/.test(s)) return null;
  const port = Number(s);
  return port >= 1 && port <= 65535 ? port : null;
}

/**
 * Where the preview of `port` opens: on the separate preview listener when the server
 * reports one this client can reach, else on this origin (which the server sandboxes).
 */
export function previewUrl(previewBase: string | null | undefined, port: number): string {
  const base = previewBase ? previewBase.replace(/\/+$/, '') : '';
  return `${base}/preview/${port}/`;
}
