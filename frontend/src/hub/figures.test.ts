import { describe, expect, it } from 'vitest';
import { activityFigures, formatPercent, formatRate, machineFigures, programActions, programStatus, secondsUntil, UNKNOWN } from './figures';
import type { ProgramInfo } from './metricsApi';

const program = (over: Partial<ProgramInfo>): ProgramInfo => ({
  command: 'npm run dev',
  restart: 'on-failure',
  maxRestarts: 5,
  restarts: 0,
  lastExitCode: null,
  state: 'running',
  nextRestartAt: null,
  backoffSeconds: null,
  ...over,
});

describe('figures', () => {
  it('formats rates and percentages', () => {
    expect(formatRate(0)).toBe('0 B/s');
    expect(formatRate(1536)).toBe('1.5 KB/s');
    expect(formatRate(-3)).toBe('0 B/s');
    expect(formatPercent(null)).toBe(UNKNOWN);
    expect(formatPercent(3.04)).toBe('3%');
    expect(formatPercent(2.5)).toBe('2.5%');
    expect(formatPercent(57.4)).toBe('57%');
  });

  it('reads a session stats answer as the activity line', () => {
    const line = activityFigures({ outputRate: 2048, bytesOut: 1, bytesIn: 1, cpu: null, rss: 5 * 1024 * 1024, lastExitCode: 2, viewers: 1 });
    expect(line.map((f) => `${f.label} ${f.value}`)).toEqual(['out 2 KB/s', `CPU ${UNKNOWN}`, 'mem 5 MB', 'exit 2']);
    expect(line[3].alert).toBe(true);
    const ok = activityFigures({ outputRate: 0, bytesOut: 0, bytesIn: 0, cpu: 0, rss: null, lastExitCode: 0, viewers: 0 });
    expect(ok[3]).toEqual({ label: 'exit', value: '0', alert: false });
    expect(ok[2].value).toBe(UNKNOWN);
  });

  it('reads the machine', () => {
    const gb = 1024 ** 3;
    const [load, memory, disk] = machineFigures({
      load: [4.5, 1, 0.25],
      cpus: 4,
      memory: { total: 8 * gb, available: 2 * gb },
      disk: { path: '/home', total: 100 * gb, free: 2 * gb },
    });
    expect(load).toEqual({ label: 'Load', value: '4.50 1.00 0.25 · 4 CPUs', alert: true });
    expect(memory.value).toBe('6 GB used of 8 GB');
    expect(memory.alert).toBe(false);
    expect(disk).toEqual({ label: 'Disk', value: '2 GB free of 100 GB', alert: true });
  });

  it('says what a program is doing', () => {
    const now = Date.parse('2026-12-07T06:00:00Z');
    expect(programStatus(program({}), now)).toBe('Running');
    expect(programStatus(program({ state: 'backoff', nextRestartAt: '2026-12-07T06:00:03.200Z', backoffSeconds: 4 }), now)).toBe('Restarting in 4 s');
    expect(programStatus(program({ state: 'backoff', backoffSeconds: 2 }), now)).toBe('Restarting in 2 s');
    expect(programStatus(program({ state: 'exited', lastExitCode: 0 }), now)).toBe('Exited with 0');
    expect(programStatus(program({ state: 'failed', restarts: 5 }), now)).toBe('Gave up after 5 restarts');
    expect(programStatus(program({ state: 'stopped' }), now)).toBe('Stopped');
    expect(secondsUntil('2026-12-07T05:59:00Z', now)).toBe(0);
    expect(secondsUntil('garbage', now)).toBeNull();
  });

  it('offers the controls that apply', () => {
    expect(programActions(program({ state: 'running' }))).toEqual(['stop', 'restart']);
    expect(programActions(program({ state: 'backoff' }))).toEqual(['stop', 'restart']);
    for (const state of ['stopped', 'exited', 'failed'] as const) expect(programActions(program({ state }))).toEqual(['start']);
  });
});
