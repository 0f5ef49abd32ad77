/** /terminal?id=…: full-screen xterm.js attached over /ws, with a top bar and a touch key row. */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import '@xterm/xterm/css/xterm.css';
import { api } from '../api';
import { TerminalConnection } from '../terminal/connection';
import { RENDERER_KEY, wantWebgl } from '../terminal/renderer';
import { trackVisualViewport } from '../viewport';
import { inPageNotify, onFocusedPush } from '../notify';
import { KeyRow } from './KeyRow';
import { NotifySettings } from './NotifySettings';
import { PreviewButton } from './PreviewButton';


const THEME = {
  background: '#16181d',
  foreground: '#d8dee9',
  cursor: '#e5e9f0',
  selectionBackground: '#3b4252',
};

/** Load the WebGL renderer when wanted and available; the DOM renderer stays otherwise. */
async function tryWebgl(term: Terminal): Promise<void> {
  try {
    let pref: string | null = null;
    try {
      pref = localStorage.getItem(RENDERER_KEY);
    } catch {
      /* storage blocked */
    }
    if (!wantWebgl(pref, window.matchMedia('(pointer: coarse)').matches)) return;
    const probe = document.createElement('canvas').getContext('webgl2');
    if (!probe) return;
    probe.getExtension('WEBGL_lose_context')?.loseContext();
    const { WebglAddon } = await import('@xterm/addon-webgl');
    const addon = new WebglAddon();
    addon.onContextLoss(() => addon.dispose());
    term.loadAddon(addon);
  } catch {
    /* DOM renderer stays in place */
  }
}

type Ended = { kind: 'exit'; code: number | null } | { kind: 'notfound' } | null;

export function TerminalPage({ sessionId }: { sessionId: string }) {
  const host = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const connRef = useRef<TerminalConnection | null>(null);
  const name = useSignal<string>('');
  const reconnecting = useSignal(false);
  const ended = useSignal<Ended>(null);
  const notice = useSignal<string | null>(null);
  const toast = useSignal<string | null>(null);

  useEffect(() => {
    document.title = 'TermBeam';
    api
      .sessions()
      .then((list) => {
        const s = list.find((x) => x.id === sessionId);
        if (s) {
          name.value = s.name;
          document.title = `${s.name} — TermBeam`;
        }
      })
      .catch(() => {});
  }, [sessionId]);

  const showToast = (text: string) => {
    toast.value = text;
    setTimeout(() => toast.value === text && (toast.value = null), 5000);
  };

  // Pushes about other sessions while we are focused (this session's come over the socket).
  useEffect(
    () => onFocusedPush((p) => p.sessionId !== sessionId && p.title && showToast(p.title)),
    [sessionId],
  );

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const phone = window.matchMedia('(max-width: 600px)').matches;
    const term = new Terminal({
      allowProposedApi: true,
      cursorBlink: true,
      fontSize: phone ? 13 : 14,
      fontFamily: 'ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace',
      scrollback: 10000,
      lineHeight: 1.1,
      theme: THEME,
    });
    termRef.current = term;
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.loadAddon(new WebLinksAddon());
    term.loadAddon(new Unicode11Addon());
    term.unicode.activeVersion = '11';
    term.open(el);

    const conn = new TerminalConnection(
      sessionId,
      { write: (d, done) => term.write(d, done), reset: () => term.reset() },
      {
        reconnecting: (v) => (reconnecting.value = v),
        exited: (code) => (ended.value = { kind: 'exit', code }),
        notFound: () => (ended.value = { kind: 'notfound' }),
        error: (m) => (notice.value = m),
        attached: () => (notice.value = null),
        notification: (msg) => {
          const text = inPageNotify(msg, sessionId);
          if (text) showToast(text);
        },
      },
    );
    connRef.current = conn;

    const doFit = () => {
      try {
        fit.fit();
      } catch {
        /* not laid out yet */
      }
      conn.setSize(term.cols, term.rows);
    };
    const dataSub = term.onData((d) => conn.input(d));
    const binSub = term.onBinary((d) => conn.input(d));
    const resizeSub = term.onResize(({ cols, rows }) => conn.setSize(cols, rows));

    let raf = 0;
    const scheduleFit = () => {
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(doFit);
    };
    const ro = new ResizeObserver(scheduleFit);
    ro.observe(el);
    const stopVv = trackVisualViewport(scheduleFit);

    doFit();
    conn.start();
    void tryWebgl(term);
    if (!window.matchMedia('(pointer: coarse)').matches) term.focus();

    return () => {
      cancelAnimationFrame(raf);
      ro.disconnect();
      stopVv();
      dataSub.dispose();
      binSub.dispose();
      resizeSub.dispose();
      conn.dispose();
      term.dispose();
      termRef.current = null;
      connRef.current = null;
    };
  }, [sessionId]);

  const sendKey = (seq: string) => {
    connRef.current?.input(seq);
  };

  const end = ended.value;
  return (
    <div class="term-page">
      <header class="topbar term-bar">
        <a class="btn icon" href="/" aria-label="Back to sessions" title="Sessions">
          ‹
        </a>
        <h1 class="term-title">{name.value || 'Terminal'}</h1>
        {reconnecting.value && !end && (
          <span class="reconnecting" role="status">
            Reconnecting…
          </span>
        )}
        <PreviewButton sessionId={sessionId} />
        <NotifySettings />
      </header>
      {toast.value && (
        <p class="toast" role="status">
          {toast.value}
        </p>
      )}
      {notice.value && (
        <p class="error banner" role="alert">
          {notice.value}
        </p>
      )}
      <div class="term-host" ref={host} onClick={() => termRef.current?.focus()} />
      <KeyRow term={termRef} onKey={sendKey} />
      {end && (
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="ended-title">
          <div class="overlay-card">
            <h2 id="ended-title">{end.kind === 'exit' ? 'Session ended' : 'Session not found'}</h2>
            {end.kind === 'exit' && end.code !== null && <p class="muted">Exit code {end.code}</p>}
            <a class="btn primary" href="/">
              Back to sessions
            </a>
          </div>
        </div>
      )}
    </div>
  );
}
