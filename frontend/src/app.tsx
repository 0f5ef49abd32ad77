/** Top-level router: picks the screen for the current path. The terminal screen is loaded lazily. */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { ComponentType } from 'preact';
import { Hub } from './pages/Hub';
import { Login } from './pages/Login';

type Props = { sessionId: string };

function LazyTerminal({ sessionId }: Props) {
  const Comp = useSignal<ComponentType<Props> | null>(null);
  const failed = useSignal<string | null>(null);
  useEffect(() => {
    import('./pages/TerminalPage')
      .then((m) => (Comp.value = m.TerminalPage))
      .catch(() => (failed.value = 'Could not load the terminal. Reload the page.'));
  }, []);
  if (failed.value) return <p class="center-msg" role="alert">{failed.value}</p>;
  const C = Comp.value;
  return C ? <C sessionId={sessionId} /> : <p class="center-msg">Loading…</p>;
}

export function App() {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  if (path === '/login') return <Login />;
  if (path === '/terminal') {
    const params = new URLSearchParams(location.search);
    const id = params.get('id') ?? params.get('session');
    if (!id) {
      location.replace('/');
      return null;
    }
    return <LazyTerminal sessionId={id} />;
  }
  return <Hub />;
}
