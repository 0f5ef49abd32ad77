/**
 * The tools palette's command list (grouped like the reference's tools sheet) and its filter.
 * Pure: the workspace passes in what each command does.
 */
import { refreshApp } from './refresh';
import { shortcutLabel } from './shortcuts';

export type Group = 'Session' | 'Files' | 'View' | 'Share' | 'Agents' | 'Settings' | 'System';
export const GROUPS: Group[] = ['Session', 'Files', 'View', 'Share', 'Agents', 'Settings', 'System'];

export interface Command {
  id: string;
  group: Group;
  label: string;
  /** Extra words the filter matches. */
  keywords?: string;
  shortcut?: string;
  /** Keep the palette open after running (font size steps). */
  stay?: boolean;
  disabled?: boolean;
  run(): void;
}

export type Split = 'off' | 'vertical' | 'horizontal';
export const NEXT_SPLIT: Record<Split, Split> = { off: 'vertical', vertical: 'horizontal', horizontal: 'off' };

/** Panels the palette opens (each a lazily loaded module, see lazy.tsx). */
export type PanelName = 'files' | 'upload' | 'markdown' | 'code' | 'settings' | 'about' | 'share' | 'agents' | 'resume' | 'recordings';

export interface CommandActions {
  newTab(): void;
  find(): void;
  rename(): void;
  cycleSplit(): void;
  close(): void;
  panel(name: PanelName): void;
  fontStep(delta: number): void;
  preview(): void;
  clear(): void;
  reload(): void;
}

export function buildCommands(
  a: CommandActions,
  s: { split: Split; fontSize: number; mac: boolean; ctrlShortcuts?: boolean },
): Command[] {
  const mod = s.mac ? '⌘' : 'Ctrl+';
  const letter = (l: string) => shortcutLabel(l, { mac: s.mac, ctrlShortcuts: s.ctrlShortcuts ?? false });
  const size = `${s.fontSize}px`;
  const panel = (p: PanelName) => () => a.panel(p);
  return [
    { id: 'new', group: 'Session', label: 'New tab', keywords: 'session create', run: a.newTab },
    { id: 'find', group: 'Session', label: 'Find', keywords: 'search', shortcut: letter('F'), run: a.find },
    { id: 'rename', group: 'Session', label: 'Rename session', run: a.rename },
    { id: 'split', group: 'Session', label: `Split view: ${NEXT_SPLIT[s.split]}`, keywords: 'pane', run: a.cycleSplit },
    { id: 'close', group: 'Session', label: 'Close session', keywords: 'delete kill', run: a.close },
    { id: 'files', group: 'Files', label: 'Browse files', keywords: 'download', run: panel('files') },
    { id: 'upload', group: 'Files', label: 'Upload files', run: panel('upload') },
    { id: 'markdown', group: 'Files', label: 'View markdown', run: panel('markdown') },
    { id: 'font-down', group: 'View', label: 'Smaller font', keywords: 'font size decrease zoom out', shortcut: size, stay: true, run: () => a.fontStep(-1) },
    { id: 'font-up', group: 'View', label: 'Larger font', keywords: 'font size increase zoom in', shortcut: size, stay: true, run: () => a.fontStep(1) },
    { id: 'preview', group: 'View', label: 'Preview port', keywords: 'dev server', run: a.preview },
    { id: 'code', group: 'View', label: 'View code', keywords: 'git diff changes', run: panel('code') },
    { id: 'recordings', group: 'View', label: 'Recordings', keywords: 'record replay asciinema cast play', run: panel('recordings') },
    { id: 'theme', group: 'View', label: 'Theme', keywords: 'colours dark light', run: panel('settings') },
    { id: 'share', group: 'Share', label: 'Share link', keywords: 'qr copy', run: panel('share') },
    { id: 'agents', group: 'Agents', label: 'Launch agent', keywords: 'ai claude copilot codex aider opencode gemini', run: panel('agents') },
    { id: 'resume', group: 'Agents', label: 'Resume agent session', keywords: 'ai history claude copilot opencode continue', run: panel('resume') },
    { id: 'settings', group: 'Settings', label: 'Settings', keywords: 'preferences', shortcut: `${mod},`, run: panel('settings') },
    { id: 'clear', group: 'System', label: 'Clear terminal', keywords: 'reset', run: a.clear },
    // One entry for both: a plain reload could keep serving the worker's cached assets.
    { id: 'reload', group: 'System', label: 'Refresh app', keywords: 'cache reload update', run: () => void refreshApp(a.reload) },
    { id: 'about', group: 'System', label: 'About', keywords: 'version changelog update', run: panel('about') },
  ];
}

/** Commands whose label, group or keywords contain every word of `query`. */
export function filterCommands(commands: Command[], query: string): Command[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return commands;
  return commands.filter((c) => {
    const hay = `${c.label} ${c.group} ${c.keywords ?? ''}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** Enabled commands matching `query`, in group order (the palette's list and arrow-key order). */
export function visibleCommands(commands: Command[], query: string): Command[] {
  const shown = filterCommands(commands, query).filter((c) => !c.disabled);
  return GROUPS.flatMap((g) => shown.filter((c) => c.group === g));
}
