/**
 * Copy to the clipboard; where that is not allowed (plain http), select `shown` for a manual
 * copy: an input's text, or any other element's contents (a list of recovery codes).
 */
export async function copyText(text: string, shown: HTMLElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!select(shown)) return false;
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}

function select(shown: HTMLElement | null): boolean {
  if (shown instanceof HTMLInputElement) {
    shown.focus();
    shown.select();
    return true;
  }
  const selection = getSelection();
  if (!shown || !selection) return false;
  const range = document.createRange();
  range.selectNodeContents(shown);
  selection.removeAllRanges();
  selection.addRange(range);
  return true;
}
