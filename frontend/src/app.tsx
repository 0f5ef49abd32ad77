/**
 * Top-level router: picks the screen for the current path. The terminal workspace and the
 * full-page code viewer are loaded lazily.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { ComponentType } from 'preact';
import { Hub } from './pages/Hub';
import { Login } from './pages/Login';
import type { CodeViewerProps } from './code/CodeViewer';

/** Render a lazily imported component, with a loading line and a failure message. */
function Lazy<P extends object>({ load, props }: { load: () => Promise<ComponentType<P>>; props: P }) {
  const Comp = useSignal<ComponentType<P> | null>(null);
  const failed = useSignal(false);
  useEffect(() => {
    load()
      .then((c) => (Comp.value = c))
      .catch(() => (failed.value = true));
  }, []);
  if (failed.value) {
    return (
      <p class="center-msg" role="alert">
        Could not load this screen. Reload the page.
      </p>
    );
  }
  const C = Comp.value;
  return C ? <C {...props} /> : <p class="center-msg">Loading…</p>;
}

const loadTerminal = () => import('./pages/TerminalPage').then((m) => m.TerminalPage);
const loadView = () => import('./pages/ViewPage').then((m) => m.ViewPage);
const loadCode = () => import('./code/CodeViewer').then((m) => m.default);

function codeViewerClose(sessionId: string): () => void {
  return () => {
    if (history.length > 1 && document.referrer.startsWith(location.origin)) history.back();
    else location.href = `/terminal?id=${encodeURIComponent(sessionId)}`;
  };
}

export function App() {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  if (path === '/login') return <Login />;
  if (path === '/view') return <Lazy load={loadView} props={{}} />;
  if (path === '/terminal') {
    const params = new URLSearchParams(location.search);
    const id = params.get('id') ?? params.get('session');
    if (!id) {
      location.replace('/');
      return null;
    }
    return <Lazy load={loadTerminal} props={{ sessionId: id }} />;
  }
  const code = /^\/code\/([^/]+)$/.exec(path);
  if (code) {
    const id = decodeURIComponent(code[1]);
    const props: CodeViewerProps = {
      page: true,
      sessionId: id,
      onClose: codeViewerClose(id),
      send: () => {}, // no terminal on this page: review comments need the terminal's overlay
    };
    return <Lazy load={loadCode} props={props} />;
  }
  return <Hub />;
}
