/**
 * The session drawer's activity line (#19): the current session's output rate, CPU, memory
 * and last exit code in one line. It polls only while the drawer is open (it is mounted only
 * then), every few seconds, and not while the page is hidden.
 */
import { activityFigures } from '../hub/figures';
import { metricsApi } from '../hub/metricsApi';
import { usePolled } from '../hub/usePolled';
import '../hub/figures.css';

/** The server samples processes every 5 s: asking more often shows nothing new. */
export const ACTIVITY_POLL_MS = 5000;

export function ActivityLine({ sessionId, name }: { sessionId: string; name: string }) {
  const stats = usePolled(() => metricsApi.stats(sessionId), ACTIVITY_POLL_MS, sessionId);
  const s = stats.value.value;
  if (!s) return null; // an error (the session ended) or the first answer still on its way
  return (
    <p class="fig-line drawer-activity" aria-label={`Activity of ${name}`}>
      {activityFigures(s).map((f) => (
        <span key={f.label} class={f.alert ? 'fig alert' : 'fig'}>
          <span class="fig-label">{f.label}</span> <span class="fig-value">{f.value}</span>
        </span>
      ))}
    </p>
  );
}
