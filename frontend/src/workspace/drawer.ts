/**
 * Pure helpers of the session drawer: the "shell · cwd" parts of a card and when a horizontal
 * drag counts as a swipe that closes the drawer. The git badge is hub/gitbadge.ts, shared.
 */
import type { GitInfo, SessionInfo } from '../api';
import { guessHome, shellName, shortenPath } from '../hub/format';

/** The shell's short name and the cwd with the home folder as ~ ("bash", "~/src/app"). */
export function cardParts(shell: string, cwd: string): { shell: string; where: string } {
  return { shell: shell ? shellName(shell) : '', where: cwd ? shortenPath(cwd, guessHome(cwd)) : '' };
}

/** Distance a leftward drag must travel (and dominate vertical movement) to close the drawer. */
export const SWIPE_CLOSE_PX = 60;

export function isSwipeClose(dx: number, dy: number): boolean {
  return dx <= -SWIPE_CLOSE_PX && Math.abs(dx) > Math.abs(dy) * 1.5;
}

/** What a drawer card shows: a tab (name, colour, unread, ended) plus its session's details. */
export interface DrawerSession {
  id: string;
  name: string;
  color?: string;
  unread: boolean;
  ended: boolean;
  shell: string;
  cwd: string;
  git?: GitInfo | null;
  /** Being recorded (#19), and with keystrokes. */
  recording: boolean;
  recordingInput: boolean;
}

type Tab = Pick<DrawerSession, 'id' | 'name' | 'color' | 'unread' | 'ended'>;

/** Cards in tab order; tabs the server no longer lists (ended) keep a card without details. */
export function drawerSessions(tabs: Tab[], infos: SessionInfo[]): DrawerSession[] {
  return tabs.map((t) => {
    const s = infos.find((x) => x.id === t.id);
    return { ...t, shell: s?.shell ?? '', cwd: s?.cwd ?? '', git: s?.git, recording: !!s?.recording, recordingInput: !!s?.recordingInput };
  });
}
