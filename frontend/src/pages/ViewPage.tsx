/**
 * /view: a view-only link's page (the server traded the link for a cookie bound to one
 * session). It shows that session live with its scrollback, says "View only", and has no
 * key bar, tools, files, preview, settings or hub; keys do nothing (said once), while the
 * terminal still scrolls, selects and copies. The server refuses a viewer's input and resize
 * anyway; this page just never sends them.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { request } from '../api';
import { errorText } from '../errorText';
import { prefs } from '../state/prefs';
import { activeTheme, minimumContrastFor } from '../themes';
import { TerminalView } from '../terminal/view';
import './view.css';

interface ViewInfo {
  session: { id: string; name: string | null; cols: number; rows: number };
  expiresAt: number;
}

export const TYPED_NOTE = 'View only: typing here does nothing.';

function until(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function ViewPage() {
  const info = useSignal<ViewInfo | null>(null);
  const error = useSignal<string | null>(null);
  const note = useSignal<string | null>(null);
  const ended = useSignal<string | null>(null);
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    request<ViewInfo>('/api/view')
      .then((v) => (info.value = v))
      .catch((err) => (error.value = errorText(err)));
  }, []);

  useEffect(() => {
    const v = info.value;
    if (!v || !host.current) return;
    let told = false;
    const view = new TerminalView(
      v.session.id,
      {
        fontSize: prefs.peek().fontSize,
        theme: activeTheme.peek().term,
        minimumContrastRatio: minimumContrastFor(activeTheme.peek()),
      },
      { notification: () => {}, fontSizeChosen: () => {}, name: () => v.session.name ?? 'Terminal' },
      {
        cols: v.session.cols,
        rows: v.session.rows,
        typed: () => {
          if (told) return;
          told = true;
          note.value = TYPED_NOTE;
        },
      },
    );
    view.setVisible(true);
    view.open(host.current);
    // No on-screen keyboard for a terminal that takes no keys (selecting still works).
    view.term.textarea?.setAttribute('inputmode', 'none');
    const stop = [
      view.ended.subscribe((e) => {
        if (e) ended.value = e.kind === 'exit' ? 'The session has ended.' : 'This session no longer exists.';
      }),
      view.notice.subscribe((m) => {
        if (m && m.startsWith('View ended')) ended.value = `${m}.`;
        else if (m) note.value = m;
      }),
    ];
    return () => {
      stop.forEach((s) => s());
      view.dispose();
    };
  }, [info.value]);

  const v = info.value;
  return (
    <div class="view-page">
      <header class="view-bar">
        <span class="view-badge" role="status">
          View only
        </span>
        <span class="view-name">{v?.session.name ?? ''}</span>
        {v && <span class="view-until muted">until {until(v.expiresAt)}</span>}
      </header>
      {note.value && (
        <p class="view-note" role="status">
          {note.value}
        </p>
      )}
      {error.value && (
        <p class="error view-note" role="alert">
          {error.value}
        </p>
      )}
      <div class="view-scroll">
        <div class="view-term" ref={host} />
      </div>
      {ended.value && (
        <div class="view-ended" role="alert">
          <p>{ended.value}</p>
          <p class="muted">Ask whoever shared it for a new link.</p>
        </div>
      )}
    </div>
  );
}
