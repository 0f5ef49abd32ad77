import { describe, expect, it } from 'vitest';
import { ApiError, type AgentInfo } from '../api';
import {
  agentChips,
  isCwdRefusal,
  launchBody,
  MAX_SESSION_NAME,
  nextIndex,
  parseSessions,
  repoBranch,
  resumeBody,
  resumeCommandPath,
  sessionName,
  sessionsPath,
  shortCwd,
  turnsLabel,
  updatedLabel,
  visibleChips,
  type AgentSession,
} from './history';

const row = (over: Partial<AgentSession>): AgentSession => ({
  id: 'abcdef12',
  agent: 'claude',
  agentName: 'Claude Code',
  agentIcon: 'claude',
  summary: 'Fix the login bug',
  cwd: '/home/ada/src/app',
  repo: null,
  branch: 'main',
  updatedAt: '2026-11-23T10:00:00.000Z',
  turnCount: 3,
  ...over,
});

describe('history query', () => {
  it('always sends the limit and leaves blank filters out', () => {
    expect(sessionsPath()).toBe('/api/agent-sessions?limit=100');
    expect(sessionsPath({ search: '   ', agent: '' })).toBe('/api/agent-sessions?limit=100');
  });

  it('adds the agent and the trimmed, encoded search', () => {
    const url = new URL(sessionsPath({ agent: 'copilot', search: ' auth & login ', limit: 20 }), 'http://x');
    expect(url.searchParams.get('limit')).toBe('20');
    expect(url.searchParams.get('agent')).toBe('copilot');
    expect(url.searchParams.get('search')).toBe('auth & login');
  });

  it('encodes the resume-command path segments', () => {
    expect(resumeCommandPath({ agent: 'claude', id: 'a/b c' })).toBe('/api/agent-sessions/claude/a%2Fb%20c/resume-command');
  });

  it('keeps only rows with an id and an agent', () => {
    expect(parseSessions({ sessions: [row({}), { id: 1 }, null, { agent: 'x' }] })).toHaveLength(1);
    expect(parseSessions({})).toEqual([]);
    expect(parseSessions(null)).toEqual([]);
  });
});

describe('display', () => {
  it('names the terminal after the summary’s first line, trimmed and clipped', () => {
    expect(sessionName(row({ summary: '  \n  Fix   the\tlogin bug  \nmore' }))).toBe('Fix the login bug');
    const long = sessionName(row({ summary: 'x'.repeat(200) }));
    expect(long).toHaveLength(MAX_SESSION_NAME);
    expect(long.endsWith('…')).toBe(true);
  });

  it('falls back to the agent and folder without a summary', () => {
    expect(sessionName(row({ summary: '' }))).toBe('Claude Code · app');
    expect(sessionName(row({ summary: ' ', cwd: null }))).toBe('Claude Code');
    expect(sessionName(row({ summary: '', cwd: null, agentName: '' }))).toBe('Agent session');
  });

  it('says how long ago it was updated', () => {
    const now = Date.parse('2026-11-23T13:00:00.000Z');
    expect(updatedLabel('2026-11-23T10:00:00.000Z', now)).toBe('updated 3 h ago');
    expect(updatedLabel('2026-11-23T12:59:50.000Z', now)).toBe('updated just now');
    expect(updatedLabel(null, now)).toBe('');
    expect(updatedLabel('not a date', now)).toBe('');
  });

  it('counts turns and joins repo and branch', () => {
    expect(turnsLabel(1)).toBe('1 turn');
    expect(turnsLabel(23)).toBe('23 turns');
    expect(repoBranch({ repo: 'user/repo', branch: 'main' })).toBe('user/repo · main');
    expect(repoBranch({ repo: null, branch: 'dev' })).toBe('dev');
    expect(repoBranch({ repo: null, branch: null })).toBe('');
  });

  it('shortens folders under home and keeps the last two of deep ones', () => {
    expect(shortCwd('/home/ada/src/app')).toBe('~/src/app');
    expect(shortCwd('/home/ada/src/work/client/app')).toBe('~/…/client/app');
    expect(shortCwd('/srv/a/b/c/d')).toBe('/…/c/d');
    expect(shortCwd('/srv/app')).toBe('/srv/app');
    expect(shortCwd(null)).toBe('');
  });
});

describe('agent chips', () => {
  it('makes one chip per agent, newest first, with counts', () => {
    const chips = agentChips([row({}), row({ id: '2', agent: 'copilot', agentName: 'GitHub Copilot' }), row({ id: '3' })]);
    expect(chips).toEqual([
      { id: 'claude', name: 'Claude Code', count: 2 },
      { id: 'copilot', name: 'GitHub Copilot', count: 1 },
    ]);
    expect(agentChips([])).toEqual([]);
  });

  it('keeps the selected agent visible so its filter can be switched off', () => {
    const known = [{ id: 'claude', name: 'Claude Code', count: 2 }];
    expect(visibleChips(known, '')).toBe(known);
    expect(visibleChips(known, 'claude')).toBe(known);
    expect(visibleChips(known, 'opencode', 'OpenCode')).toEqual([...known, { id: 'opencode', name: 'OpenCode', count: 0 }]);
  });
});

describe('keyboard movement', () => {
  it('moves down from the search box and back up to it', () => {
    expect(nextIndex(-1, 'ArrowDown', 3)).toBe(0);
    expect(nextIndex(0, 'ArrowDown', 3)).toBe(1);
    expect(nextIndex(2, 'ArrowDown', 3)).toBe(2);
    expect(nextIndex(1, 'ArrowUp', 3)).toBe(0);
    expect(nextIndex(0, 'ArrowUp', 3)).toBe(-1);
    expect(nextIndex(1, 'Home', 3)).toBe(0);
    expect(nextIndex(0, 'End', 3)).toBe(2);
    expect(nextIndex(0, 'Enter', 3)).toBeNull();
    expect(nextIndex(0, 'ArrowDown', 0)).toBeNull();
  });
});

describe('session bodies', () => {
  it('resumes in the session’s folder with the resume command', () => {
    expect(resumeBody(row({}), 'claude --resume abcdef12')).toEqual({
      name: 'Fix the login bug',
      initialCommand: 'claude --resume abcdef12',
      cwd: '/home/ada/src/app',
      type: 'agent',
      agent: row({}).agent,
    });
    expect(resumeBody(row({ cwd: null }), 'c')).not.toHaveProperty('cwd');
  });

  it('launches an agent with its arguments in the current folder', () => {
    const gh: AgentInfo = { id: 'gh-copilot', name: 'GitHub Copilot (gh)', cmd: 'gh', args: ['copilot'], icon: 'copilot', version: '1.0' };
    // type/agent: the server keeps the agent, so every device's hub shows it (#18).
    expect(launchBody(gh, '/home/ada/src/app')).toEqual({ name: 'GitHub Copilot (gh) · app', initialCommand: 'gh copilot', cwd: '/home/ada/src/app', type: 'agent', agent: 'gh-copilot' });
    expect(launchBody(gh, null)).toEqual({ name: 'GitHub Copilot (gh)', initialCommand: 'gh copilot', type: 'agent', agent: 'gh-copilot' });
  });

  it('retries without the folder only when the server refused the folder', () => {
    expect(isCwdRefusal(new ApiError(400, 'cwd does not exist'))).toBe(true);
    expect(isCwdRefusal(new ApiError(400, 'cwd is not a directory'))).toBe(true);
    expect(isCwdRefusal(new ApiError(400, 'Invalid shell'))).toBe(false);
    expect(isCwdRefusal(new ApiError(500, 'cwd does not exist'))).toBe(false);
    expect(isCwdRefusal(new Error('cwd does not exist'))).toBe(false);
  });
});
