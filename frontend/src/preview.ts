/** Port preview helpers: validate a port typed by the user and build the URL that opens it. */

/** The port as a number when `text` is an integer from 1 to 65535, else null. */
export function parsePort(text: string): number | null {
  const s = text.trim();
  if (!/^\d{1,5}$/.test(s)) return null;
  const port = Number(s);
  return port >= 1 && port <= 65535 ? port : null;
}

/**
 * What the Preview dialog opens in a new tab for `port`: the server redirects it to the port's
 * own origin (a listener of its own) when this browser can reach it, else to the sandboxed
 * preview on this origin. A plain navigation, so `window.open` runs within the click.
 */
export function previewOpenUrl(port: number): string {
  return `/api/preview/${port}/open`;
}
