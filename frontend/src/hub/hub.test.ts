import { describe, expect, it } from 'vitest';
import { basename, deriveName, formatAge, guessHome, shellName, shortenPath, toMillis } from './format';
import { agentOf, applyFilter, describeForFilter, EMPTY_FILTER, facetValues, isActive, parseFilter, pruneFilter } from './filter';
import { isUnread, reconcileSeen } from './unread';
import { gitBadgeParts, providerKind, spokenSummary } from './gitbadge';
import { agentCommand, planLaunch, removeWorkspace, renameWorkspace, resolveShell, suggestName, upsertWorkspace, workspaceFromSessions } from './workspaces';
import type { SessionInfo, ShellsResponse } from '../api';
import type { Workspace } from '../state/prefs';

const session = (over: Partial<SessionInfo>): SessionInfo => ({
  id: 'x', name: 'x', cwd: '/srv', shell: '/bin/bash', pid: 1, clients: 0, createdAt: '2026-01-01T00:00:00Z', ...over,
});

describe('paths and names', () => {
  it('shortens paths under the guessed home', () => {
    expect(guessHome('/home/ada/projects')).toBe('/home/ada');
    expect(guessHome('/Users/bob')).toBe('/Users/bob');
    expect(guessHome('/srv/app')).toBeNull();
    expect(shortenPath('/home/ada/src/app', '/home/ada')).toBe('~/src/app');
    expect(shortenPath('/home/ada', '/home/ada')).toBe('~');
    expect(shortenPath('/home/adam/x', '/home/ada')).toBe('/home/adam/x');
    expect(shortenPath('/tmp', null)).toBe('/tmp');
  });

  it('derives the session name from the folder', () => {
    expect(deriveName('/home/ada/termbeam/')).toBe('termbeam');
    expect(deriveName('/')).toBe('');
    expect(deriveName('C:\\Users\\ada\\proj')).toBe('proj');
    expect(basename('C:\\')).toBe('');
    expect(shellName('/usr/bin/zsh')).toBe('zsh');
    expect(shellName('C:\\Windows\\pwsh.exe')).toBe('pwsh');
  });
});

describe('activity age', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  it('formats ages coarsely', () => {
    expect(formatAge(now - 10_000, now)).toBe('just now');
    expect(formatAge(now + 5_000, now)).toBe('just now');
    expect(formatAge(now - 2 * 60_000, now)).toBe('2 min ago');
    expect(formatAge(now - 3 * 3600_000, now)).toBe('3 h ago');
    expect(formatAge(now - 30 * 3600_000, now)).toBe('yesterday');
    expect(formatAge(now - 5 * 86400_000, now)).toBe('5 days ago');
  });
  it('accepts numbers and ISO strings', () => {
    expect(toMillis(1234)).toBe(1234);
    expect(toMillis('2026-03-01T12:00:00Z')).toBe(now);
    expect(toMillis('nope')).toBeNull();
    expect(toMillis(undefined)).toBeNull();
  });
});

describe('unread tracking', () => {
  it('baselines new sessions and flags newer output', () => {
    const seen = reconcileSeen({ gone: 5 }, [{ id: 'a', lastActivity: 100 }]);
    expect(seen).toEqual({ a: 100 });
    expect(isUnread({ id: 'a', lastActivity: 100 }, seen)).toBe(false);
    expect(isUnread({ id: 'a', lastActivity: 101 }, seen)).toBe(true);
    expect(isUnread({ id: 'b', lastActivity: 999 }, seen)).toBe(false);
    expect(reconcileSeen(seen, [{ id: 'a', lastActivity: 500 }])).toEqual({ a: 100 });
  });
});

describe('hub filter', () => {
  const agents = [{ id: 'claude', name: 'Claude Code' }];
  const rows = [
    describeForFilter(session({ id: '1', name: 'api', cwd: '/srv/api', git: { branch: 'main', repoName: 'me/api' } }), null),
    describeForFilter(session({ id: '2', name: 'web', cwd: '/srv/web', shell: '/bin/zsh', git: { branch: 'dev', repoName: 'me/web', provider: 'GitLab' } }), null),
    describeForFilter(session({ id: '3', name: 'Claude Code', cwd: '/srv/api' }), agentOf(session({ id: '3', name: 'Claude Code' }), agents, {})),
  ];

  it('offers only facets with two or more values', () => {
    const facets = facetValues(rows);
    expect(facets.shell).toEqual(['bash', 'zsh']);
    expect(facets.branch).toEqual(['dev', 'main']);
    expect(facets.agent).toBeUndefined();
  });

  it('narrows by chips and by every word of the text', () => {
    expect(applyFilter(rows, EMPTY_FILTER)).toEqual(['1', '2', '3']);
    expect(applyFilter(rows, { ...EMPTY_FILTER, shell: 'zsh' })).toEqual(['2']);
    expect(applyFilter(rows, { ...EMPTY_FILTER, text: 'API' })).toEqual(['1', '3']);
    expect(applyFilter(rows, { ...EMPTY_FILTER, text: 'api main' })).toEqual(['1']);
    expect(applyFilter(rows, { ...EMPTY_FILTER, text: 'claude' })).toEqual(['3']);
    expect(applyFilter(rows, { ...EMPTY_FILTER, text: 'gitlab' })).toEqual(['2']);
  });

  it('offers repo and branch chips from the git badge and filters by them', () => {
    const facets = facetValues(rows);
    expect(facets.repo).toEqual(['me/api', 'me/web']);
    expect(applyFilter(rows, { ...EMPTY_FILTER, repo: 'me/web' })).toEqual(['2']);
    expect(applyFilter(rows, { ...EMPTY_FILTER, branch: 'main' })).toEqual(['1']);
    expect(applyFilter(rows, { ...EMPTY_FILTER, repo: 'me/api', branch: 'dev' })).toEqual([]);
    // Partial git objects from older servers: no repo, no chip value, no crash.
    const partial = describeForFilter(session({ id: '4', git: { branch: 'main' } }), null);
    expect(partial).toMatchObject({ repo: null, branch: 'main', provider: null });
    expect(describeForFilter(session({ id: '5', git: null }), null)).toMatchObject({ repo: null, branch: null });
  });

  it('finds agents by launch record or name', () => {
    expect(agentOf(session({ id: '9', name: 'shell' }), agents, { '9': 'claude' })).toBe('Claude Code');
    // The server's agent (set by any device that launched it) comes first.
    expect(agentOf(session({ id: '8', name: 'shell', agent: 'claude' }), agents, {})).toBe('Claude Code');
    expect(agentOf(session({ id: '7', name: 'x', agent: 'unknown-bot' }), agents, {})).toBe('unknown-bot');
    expect(agentOf(session({ name: 'claude · api' }), agents, {})).toBe('Claude Code');
    expect(agentOf(session({ name: 'api' }), agents, {})).toBeNull();
  });

  it('parses saved filters defensively and drops stale chips', () => {
    expect(parseFilter('{"text":"x","shell":3}')).toEqual({ ...EMPTY_FILTER, text: 'x' });
    expect(parseFilter('garbage')).toEqual(EMPTY_FILTER);
    expect(isActive(EMPTY_FILTER)).toBe(false);
    expect(pruneFilter({ ...EMPTY_FILTER, shell: 'fish', branch: 'dev' }, facetValues(rows))).toEqual({ ...EMPTY_FILTER, branch: 'dev' });
  });
});

describe('workspaces', () => {
  const shells: ShellsResponse = {
    shells: [
      { name: 'bash', path: '/bin/bash', cmd: 'bash' },
      { name: 'zsh', path: '/usr/bin/zsh', cmd: 'zsh' },
    ],
    default: 'bash',
    cwd: '/home/ada',
  };
  const agent = { id: 'gh-copilot', name: 'GitHub Copilot', cmd: 'gh', args: ['copilot'], icon: 'copilot', version: '1' };

  it('plans one POST per session with shell fallback and agent commands', () => {
    const ws: Workspace = {
      id: 'w', name: 'dev', sessions: [
        { id: 'a', name: 'api', cwd: '/srv/api', shell: '/usr/bin/zsh', color: '#f87171', initialCommand: 'make run' },
        { id: 'b', name: 'gone', shell: '/bin/fish', color: 'red' },
        { id: 'c', name: 'pilot', kind: 'agent', agentId: 'gh-copilot' },
        { id: 'd', name: 'default', shell: 'bash' },
      ],
    };
    expect(planLaunch(ws, shells, [agent], { cols: 80, rows: 24 })).toEqual([
      { name: 'api', cwd: '/srv/api', initialCommand: 'make run', color: '#f87171', shell: '/usr/bin/zsh', cols: 80, rows: 24 },
      { name: 'gone', cols: 80, rows: 24 },
      { name: 'pilot', initialCommand: 'gh copilot', type: 'agent', agent: 'gh-copilot', cols: 80, rows: 24 },
      { name: 'default', cols: 80, rows: 24 },
    ]);
    expect(resolveShell('/usr/bin/zsh', null)).toBeNull();
  });

  it('keeps programs and recording in a saved workspace and launches them so', () => {
    const program = {
      ...session({ name: 'web', cwd: '/srv/web' }),
      type: 'program' as const,
      recording: true,
      program: { command: 'npm run dev', restart: 'always', maxRestarts: 3, backoffMax: 30, state: 'running' },
    };
    const ws = workspaceFromSessions('dev', [program, session({ name: 'sh', cwd: '/srv' })]);
    expect(ws.sessions[0]).toMatchObject({ kind: 'program', command: 'npm run dev', restart: 'always', maxRestarts: 3, backoffMax: 30, record: true });
    expect(ws.sessions[0].shell).toBeUndefined();
    expect(ws.sessions[1].record).toBeUndefined();
    expect(planLaunch(ws, shells, [], { cols: 80, rows: 24 })[0]).toEqual({
      name: 'web', cwd: '/srv/web', recording: true, type: 'program', command: 'npm run dev', restart: 'always', maxRestarts: 3, backoffMax: 30, cols: 80, rows: 24,
    });
  });

  it('quotes agent arguments that need it', () => {
    expect(agentCommand({ cmd: 'aider', args: ['--model', "o'3 mini"] })).toBe(`aider --model 'o'\\''3 mini'`);
  });

  it('saves, renames and removes workspaces', () => {
    const ws = workspaceFromSessions(' dev ', [session({ name: 'api', cwd: '/srv/api', color: '#4a9eff' })], () => agent);
    expect(ws.name).toBe('dev');
    expect(ws.sessions[0]).toMatchObject({ name: 'api', cwd: '/srv/api', kind: 'agent', agentId: 'gh-copilot', initialCommand: 'gh copilot', color: '#4a9eff' });
    let list = upsertWorkspace([], ws);
    expect(suggestName(list)).toBe('Workspace 2');
    const again = upsertWorkspace(list, { ...ws, id: 'other', sessions: [] });
    expect(again).toHaveLength(1);
    expect(again[0].id).toBe(ws.id);
    list = renameWorkspace(list, ws.id, '  backend ');
    expect(list[0].name).toBe('backend');
    expect(renameWorkspace(list, ws.id, '  ')[0].name).toBe('backend');
    expect(removeWorkspace(list, ws.id)).toEqual([]);
  });
});

import { crumbs, parentOf, withSep } from './paths';

describe('folder paths', () => {
  it('walks up and splits into breadcrumbs', () => {
    expect(parentOf('/a/b/c')).toBe('/a/b');
    expect(parentOf('/a/b/')).toBe('/a');
    expect(parentOf('/a')).toBe('/');
    expect(parentOf('/')).toBe('/');
    expect(parentOf('C:\\x\\y')).toBe('C:\\x');
    expect(parentOf('C:\\x')).toBe('C:\\');
    expect(withSep('/a')).toBe('/a/');
    expect(withSep('/')).toBe('/');
    expect(crumbs('/a/b')).toEqual([
      { label: '/', path: '/' },
      { label: 'a', path: '/a' },
      { label: 'b', path: '/a/b' },
    ]);
    expect(crumbs('C:\\x\\y').map((c) => c.path)).toEqual(['C:\\', 'C:\\x', 'C:\\x\\y']);
  });
});

import { homeOf } from './format';

describe('home guess', () => {
  it('takes the most common home among the sessions', () => {
    expect(homeOf([{ cwd: '/home/ada/x' }, { cwd: '/root' }, { cwd: '/home/ada' }, { cwd: '/srv' }])).toBe('/home/ada');
    expect(homeOf([{ cwd: '/srv' }])).toBeNull();
  });
});

describe('git badge parts', () => {
  const status = { clean: false, staged: 2, modified: 1, untracked: 3, ahead: 3, behind: 1, summary: '2 staged, 1 modified, 3 untracked, 3↑, 1↓' };
  const clean = { clean: true, staged: 0, modified: 0, untracked: 0, ahead: 0, behind: 0, summary: 'clean' };

  it('shows compact counts and spells them out for the label', () => {
    const b = gitBadgeParts({ branch: 'main', repoName: 'owner/repo', provider: 'GitHub', status })!;
    expect(b.parts.map((p) => p.text).join(' ')).toBe('+2 ~1 ?3 ↑3 ↓1');
    expect(b.spoken).toBe('2 staged, 1 modified, 3 untracked, 3 ahead, 1 behind');
    expect(b.label).toBe('Git branch main, GitHub repository owner/repo, 2 staged, 1 modified, 3 untracked, 3 ahead, 1 behind');
    expect(b).toMatchObject({ branch: 'main', repo: 'owner/repo', provider: 'GitHub', providerKind: 'github', clean: false });
  });

  it('says clean with no counts', () => {
    const b = gitBadgeParts({ branch: 'dev', repoName: 'org/proj/repo', provider: 'Azure DevOps', status: clean })!;
    expect(b).toMatchObject({ clean: true, parts: [], spoken: 'clean', providerKind: 'azure' });
    expect(b.label).toBe('Git branch dev, Azure DevOps repository org/proj/repo, clean');
  });

  it('names providers by kind, other hosts as "host" and no remote as local', () => {
    expect(providerKind('GitLab')).toBe('gitlab');
    expect(providerKind('bitbucket')).toBe('bitbucket');
    expect(providerKind('git.example.com')).toBe('host');
    expect(providerKind(null)).toBeNull();
    const local = gitBadgeParts({ branch: 'main', repoName: 'fresh', provider: null, status: clean })!;
    expect(local.providerKind).toBeNull();
    expect(local.label).toBe('Git branch main, local repository fresh, clean');
  });

  it('is null outside a repository and for junk', () => {
    expect(gitBadgeParts(null)).toBeNull();
    expect(gitBadgeParts(undefined)).toBeNull();
    expect(gitBadgeParts('main')).toBeNull();
    expect(gitBadgeParts({ repoName: 'x' })).toBeNull();
    expect(gitBadgeParts({ branch: '  ' })).toBeNull();
  });

  it('copes with partial objects from older servers', () => {
    // Branch only: no status pill, no repository.
    expect(gitBadgeParts({ branch: 'main' })).toMatchObject({ repo: null, provider: null, clean: null, parts: [], spoken: '', label: 'Git branch main' });
    // Counts without `clean` or `summary`: derived from the counts.
    const counts = gitBadgeParts({ branch: 'x', status: { modified: 2, ahead: 1 } })!;
    expect(counts.clean).toBe(false);
    expect(counts.parts.map((p) => p.text)).toEqual(['~2', '↑1']);
    expect(counts.spoken).toBe('2 modified, 1 ahead');
    // Only `clean: false` and a summary: the summary is spoken, a dot stands in for counts.
    const summaryOnly = gitBadgeParts({ branch: 'x', status: { clean: false, summary: '4 modified, 2↓' } })!;
    expect(summaryOnly.parts).toEqual([]);
    expect(summaryOnly.spoken).toBe('4 modified, 2 behind');
    // Nonsense counts are ignored; a detached HEAD's "(abc1234)" is just a branch string.
    const odd = gitBadgeParts({ branch: '(abc1234)', provider: 'GitHub', status: { clean: false, staged: -1, modified: 'x', untracked: NaN } })!;
    expect(odd.parts).toEqual([]);
    expect(odd.spoken).toBe('uncommitted changes');
    expect(odd.label).toBe('Git branch (abc1234), GitHub, uncommitted changes');
  });

  it('spells out the arrows of a server summary', () => {
    expect(spokenSummary('1 modified, 3↑, 1↓')).toBe('1 modified, 3 ahead, 1 behind');
    expect(spokenSummary('clean')).toBe('clean');
  });
});
