/**
 * How the in-app figures read (#19): the drawer's activity line, the hub's machine card and a
 * program's state. Pure, so vitest covers them.
 */
import { formatSize } from '../files/paths';
import type { MachineInfo, ProgramInfo, SessionStats } from './metricsApi';

/** Shown where the server has no figure yet (the first sample is a few seconds away). */
export const UNKNOWN = '–';

export function formatRate(bytesPerSecond: number): string {
  return `${formatSize(Math.round(Math.max(0, bytesPerSecond)))}/s`;
}

export function formatPercent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return UNKNOWN;
  return `${value < 10 ? value.toFixed(1).replace(/\.0$/, '') : Math.round(value)}%`;
}

export interface Figure {
  label: string;
  value: string;
  /** Worth a glance: a failed command, a crash loop. */
  alert?: boolean;
}

/** The drawer's one-line activity: output rate, CPU, memory, last exit code. */
export function activityFigures(s: SessionStats): Figure[] {
  const code = s.lastExitCode;
  return [
    { label: 'out', value: formatRate(s.outputRate) },
    { label: 'CPU', value: formatPercent(s.cpu) },
    { label: 'mem', value: s.rss === null ? UNKNOWN : formatSize(s.rss) },
    { label: 'exit', value: code === null ? UNKNOWN : String(code), alert: code !== null && code !== 0 },
  ];
}

/** The hub's machine card: load (against the number of CPUs), memory and disk. */
export function machineFigures(m: MachineInfo): Figure[] {
  const usedMemory = m.memory.total - m.memory.available;
  return [
    {
      label: 'Load',
      value: `${m.load.map((x) => x.toFixed(2)).join(' ')} · ${m.cpus} CPU${m.cpus === 1 ? '' : 's'}`,
      alert: m.load[0] > m.cpus,
    },
    {
      label: 'Memory',
      value: `${formatSize(usedMemory)} used of ${formatSize(m.memory.total)}`,
      alert: m.memory.available < m.memory.total * 0.05,
    },
    {
      label: 'Disk',
      value: `${formatSize(m.disk.free)} free of ${formatSize(m.disk.total)}`,
      alert: m.disk.free < m.disk.total * 0.05,
    },
  ];
}

/** Seconds until an ISO time, never below 0; null when there is none. */
export function secondsUntil(iso: string | null, now: number): number | null {
  if (!iso) return null;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** A program's state in words: "Running", "Restarting in 4 s", "Gave up after 5 restarts"… */
export function programStatus(p: ProgramInfo, now: number): string {
  switch (p.state) {
    case 'running':
      return 'Running';
    case 'backoff': {
      const wait = secondsUntil(p.nextRestartAt, now) ?? p.backoffSeconds;
      return wait === null ? 'Restarting' : `Restarting in ${Math.ceil(wait)} s`;
    }
    case 'stopped':
      return 'Stopped';
    case 'exited':
      return p.lastExitCode === null ? 'Exited' : `Exited with ${p.lastExitCode}`;
    case 'failed':
      return `Gave up after ${p.restarts} restart${p.restarts === 1 ? '' : 's'}`;
    default:
      return String(p.state);
  }
}

/** The controls that make sense now: a live or waiting program stops or restarts, one that
 * is down starts. */
export function programActions(p: ProgramInfo): ('start' | 'stop' | 'restart')[] {
  return p.state === 'running' || p.state === 'backoff' ? ['stop', 'restart'] : ['start'];
}
