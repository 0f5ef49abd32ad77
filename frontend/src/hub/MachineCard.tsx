/**
 * The hub's machine card (#19): load against the number of CPUs, memory in use, and free
 * space on the disk new sessions start on. Polled every 10 s while the hub is on screen, and
 * not at all while the page is hidden.
 */
import { machineFigures } from './figures';
import { metricsApi } from './metricsApi';
import { usePolled } from './usePolled';
import './figures.css';

export const MACHINE_POLL_MS = 10_000;

export function MachineCard() {
  const machine = usePolled(metricsApi.machine, MACHINE_POLL_MS);
  const m = machine.value.value;
  if (!m) return null; // nothing to show until the first answer (a read-only token may not see it)
  return (
    <section class="machine-card" aria-label="Machine">
      <h2>Machine</h2>
      <p class="fig-line">
        {machineFigures(m).map((f) => (
          <span key={f.label} class={f.alert ? 'fig alert' : 'fig'}>
            <span class="fig-label">{f.label}</span> <span class="fig-value">{f.value}</span>
          </span>
        ))}
      </p>
      <p class="machine-disk muted" title={m.disk.path}>
        <bdi>Disk of {m.disk.path}</bdi>
      </p>
    </section>
  );
}
