/**
 * The hub with no sessions: a big "+ New session" and a tip that changes every few seconds.
 * The tips arrive in a chunk of their own, off the first load (an empty hub is rare).
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';

const ROTATE_MS = 8000;

export function EmptyState({ onNew }: { onNew: () => void }) {
  const tips = useSignal<string[] | null>(null);
  const index = useSignal(0);
  const paused = useSignal(false);

  useEffect(() => {
    let live = true;
    import('./tips')
      .then(({ TIPS }) => {
        if (!live) return;
        // Start somewhere different each visit so returning users see new tips.
        index.value = Math.floor(Math.random() * TIPS.length);
        tips.value = TIPS;
      })
      .catch(() => {}); // no tip without the network: the rest of the hub works
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (paused.value) return;
    const t = setInterval(() => document.visibilityState === 'visible' && index.value++, ROTATE_MS);
    return () => clearInterval(t);
  }, [paused.value]);

  const step = (by: number) => {
    paused.value = true; // the reader took over: stop moving the text under them
    index.value += by;
  };

  const list = tips.value;
  const n = list?.length ?? 1;
  const shown = ((index.value % n) + n) % n;
  return (
    <section class="empty" aria-labelledby="empty-title">
      <h2 id="empty-title">No sessions yet</h2>
      <p class="muted">Start a shell on this machine and it keeps running while you come and go.</p>
      <button type="button" class="btn primary big" onClick={onNew}>
        + New session
      </button>
      {list && (
        <figure class="tip" aria-roledescription="tip">
          <figcaption class="tip-head">
            <span>Tip {shown + 1} of {n}</span>
            <span class="tip-nav">
              <button type="button" class="btn icon" aria-label="Previous tip" onClick={() => step(-1)}>
                ‹
              </button>
              <button type="button" class="btn icon" aria-label="Next tip" onClick={() => step(1)}>
                ›
              </button>
            </span>
          </figcaption>
          <p class="tip-text" aria-live={paused.value ? 'polite' : 'off'}>
            {list[shown]}
          </p>
        </figure>
      )}
    </section>
  );
}
