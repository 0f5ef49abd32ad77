/**
 * Pure helpers of the session drawer: the one-line "shell · cwd" summary, the git badge text
 * and when a horizontal drag counts as a swipe that closes the drawer.
 */
import type { GitInfo, SessionInfo } from '../api';
import { guessHome, shellName, shortenPath } from '../hub/format';

/** "bash · ~/src/app": the shell's short name and the cwd with the home folder as ~. */
export function cardSummary(shell: string, cwd: string): string {
  const where = cwd ? shortenPath(cwd, guessHome(cwd)) : '';
  const sh = shell ? shellName(shell) : '';
  return [sh, where].filter(Boolean).join(' · ');
}

export interface GitBadgeText {
  branch: string;
  dirty: boolean;
  /** Spoken label: "Git branch main, 2 modified" / "Git branch main, clean". */
  label: string;
}

/** The badge of a session in a git work tree, or null outside one. */
export function gitBadge(git: GitInfo | null | undefined): GitBadgeText | null {
  if (!git || typeof git.branch !== 'string' || !git.branch) return null;
  const st = git.status;
  const dirty = st ? !st.clean : false;
  const state = st ? (dirty ? `, ${st.summary || 'uncommitted changes'}` : ', clean') : '';
  return { branch: git.branch, dirty, label: `Git branch ${git.branch}${state}` };
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
}

type Tab = Pick<DrawerSession, 'id' | 'name' | 'color' | 'unread' | 'ended'>;

/** Cards in tab order; tabs the server no longer lists (ended) keep a card without details. */
export function drawerSessions(tabs: Tab[], infos: SessionInfo[]): DrawerSession[] {
  return tabs.map((t) => {
    const s = infos.find((x) => x.id === t.id);
    return { ...t, shell: s?.shell ?? '', cwd: s?.cwd ?? '', git: s?.git };
  });
}
