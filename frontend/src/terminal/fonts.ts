/**
 * The terminal's font: bundled JetBrains Mono with Nerd Font icons (fonts.css), or the system
 * monospace stack. Web fonts load after xterm has measured its cells, so the view re-measures
 * when one of these faces finishes loading (see `watchFontLoads`).
 */
import './fonts.css';

export type TerminalFont = 'bundled' | 'system';

export const TEXT_FAMILY = 'JetBrains Mono';
/** The family name fonts.css gives the icon-only Nerd Font (the name its package uses). */
export const ICON_FAMILY = 'Pure Nerd Font';
export const SYSTEM_STACK = 'ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace';

export function isTerminalFont(value: unknown): value is TerminalFont {
  return value === 'bundled' || value === 'system';
}

/**
 * The CSS font-family for a choice. The icon face only covers Private Use Area code points
 * (unicode-range), so it never changes how text looks: with the system stack it still fills in
 * icons, but after the system fonts, so a locally installed Nerd Font keeps priority.
 */
export function fontFamilyFor(choice: TerminalFont): string {
  if (choice === 'system') return SYSTEM_STACK.replace(/, monospace$/, `, "${ICON_FAMILY}", monospace`);
  return `"${TEXT_FAMILY}", "${ICON_FAMILY}", ${SYSTEM_STACK}`;
}

/** A FontFace.family without the quotes some browsers keep around it. */
export function bareFamily(family: string): string {
  return family.trim().replace(/^(["'])(.*)\1$/, '$2');
}

/** Whether any of the loaded families changes how a terminal draws (ours, not e.g. the UI's). */
export function affectsTerminal(families: Iterable<string>): boolean {
  for (const f of families) {
    const name = bareFamily(f);
    if (name === TEXT_FAMILY || name === ICON_FAMILY) return true;
  }
  return false;
}

/** Load the regular text face (if not yet there); true once it is usable, false if it failed. */
export function loadTextFace(): Promise<boolean> {
  const fonts = document.fonts;
  if (!fonts) return Promise.resolve(false);
  const spec = `1em "${TEXT_FAMILY}"`;
  if (fonts.check(spec)) return Promise.resolve(true);
  return fonts.load(spec).then(
    (faces) => faces.length > 0,
    () => false,
  );
}

/** Call `changed` whenever a face of ours finishes loading; returns the unsubscribe. */
export function watchFontLoads(changed: () => void): () => void {
  const fonts = document.fonts;
  if (!fonts) return () => {};
  const onDone = (e: Event) => {
    const faces = (e as FontFaceSetLoadEvent).fontfaces ?? [];
    if (affectsTerminal(faces.map((f) => f.family))) changed();
  };
  fonts.addEventListener('loadingdone', onDone);
  return () => fonts.removeEventListener('loadingdone', onDone);
}
