/**
 * / (hub): the session cards (polled every 3 s while the page is visible), filter bar,
 * workspaces, the empty state with tips, and the new-session sheet.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { SessionInfo } from '../api';
import { onFocusedPush } from '../notify';
import { Banners } from '../settings/Banners';
import { Toast, useToast } from '../ui/toast';
import NewSessionSheet from '../hub/NewSessionSheet';
import { ConfirmSheet } from '../ui/ConfirmSheet';
import { EmptyState } from '../hub/EmptyState';
import { FilterBar } from '../hub/FilterBar';
import { LazySettings } from '../hub/LazySettings';
import { LazyRecordings } from '../recordings/lazy';
import { SessionCard, terminalUrl } from '../hub/SessionCard';
import { MachineCard } from '../hub/MachineCard';
import { isProgram } from '../hub/metricsApi';
import { ProgramCard } from '../hub/ProgramCard';
import { WorkspaceLauncher } from '../hub/WorkspaceLauncher';
import { homeOf, toMillis } from '../hub/format';
import { isUnread, noteOpened } from '../hub/unread';
import { useHubFilter } from '../hub/useHubFilter';
import { useHubSessions } from '../hub/useHubSessions';
import { NotifySettings } from './NotifySettings';
import '../hub/hub.css';

export { terminalUrl };
export { POLL_MS } from '../hub/useHubSessions';

function HubBar({ showNew, onSettings, onNew, onRecordings }: { showNew: boolean; onSettings: () => void; onNew: () => void; onRecordings: () => void }) {
  return (
    <header class="topbar hub-bar">
      <h1 class="brand">TermBeam</h1>
      <span class="hub-tools">
        <NotifySettings />
        <button type="button" class="btn icon" aria-label="Recordings" title="Recordings" aria-haspopup="dialog" onClick={onRecordings}>
          <span class="rec-icon" aria-hidden="true" />
        </button>
        <button type="button" class="btn icon" aria-label="Settings" title="Settings" onClick={onSettings}>
          ⚙
        </button>
        {/* One "+ New session" at a time: the empty state has its own big one. */}
        {showNew && (
          <button type="button" class="btn primary" aria-haspopup="dialog" onClick={onNew}>
            + New<span class="hub-new-more"> session</span>
          </button>
        )}
      </span>
    </header>
  );
}

export function Hub() {
  const hub = useHubSessions();
  const { sessions, error } = hub;
  const showNew = useSignal(false);
  const showSettings = useSignal(false);
  const showRecordings = useSignal(false);
  const confirmDelete = useSignal<SessionInfo | null>(null);
  const toast = useToast();
  const filter = useHubFilter(sessions, hub.agents, hub.launched.current);

  useEffect(() => onFocusedPush((p) => toast.show(p.title ?? 'Command finished')), []);

  const open = (s: SessionInfo) => noteOpened(s.id);
  const goTo = (id: string) => {
    noteOpened(id);
    location.href = terminalUrl(id);
  };

  const list = sessions.value;
  // The server has no "home" field: guess it from where the sessions are (see guessHome).
  const home = homeOf(list ?? []);
  const empty = list !== null && list.length === 0;
  const shown = list ? list.filter((s) => filter.visibleIds.has(s.id)) : [];
  const doomed = confirmDelete.value;
  return (
    <div class="hub-page">
      <Banners />
      <main class="hub">
        <HubBar
          showNew={!!((list?.length ?? 0) > 0 || (list === null && error.value))}
          onSettings={() => (showSettings.value = true)}
          onNew={() => (showNew.value = true)}
          onRecordings={() => (showRecordings.value = true)}
        />
        <Toast toaster={toast} />
        {hub.lost.value && (
          <p class="error banner hub-lost" role="alert">
            <span>Connection lost. The sessions keep running on the server.</span>
            <button type="button" class="btn" onClick={hub.retry}>Retry</button>
          </p>
        )}
        {error.value && (
          <p class="error banner" role="alert">
            {error.value}
          </p>
        )}
        {list === null ? (
          <p class="muted hub-loading">Loading sessions…</p>
        ) : empty ? (
          <EmptyState onNew={() => (showNew.value = true)} />
        ) : (
          <>
            {filter.canFilter && <FilterBar filter={filter.effective} facets={filter.facets} shown={shown.length} total={list.length} onChange={filter.setFilter} />}
            {shown.length === 0 ? (
              <p class="muted hub-none">No session matches the filter.</p>
            ) : (
              <ul class="cards" aria-label="Sessions">
                {shown.map((s) =>
                  isProgram(s) ? (
                    <ProgramCard key={s.id} s={s} home={home} now={hub.now.value} removing={hub.removing.value.has(s.id)} onOpen={open} onDelete={(x) => (confirmDelete.value = x)} onChanged={hub.retry} />
                  ) : (
                    <SessionCard
                      key={s.id}
                      s={s}
                      home={home}
                      now={hub.now.value}
                      unread={isUnread({ id: s.id, lastActivity: toMillis(s.lastActivity) }, hub.seen.value)}
                      agent={hub.agentName(s)}
                      removing={hub.removing.value.has(s.id)}
                      onOpen={open}
                      onDelete={(x) => (confirmDelete.value = x)}
                    />
                  ),
                )}
              </ul>
            )}
          </>
        )}
        {list !== null && <MachineCard />}
        {list !== null && <WorkspaceLauncher sessions={list} agentFor={hub.agentInfo} onLaunched={goTo} />}
        <footer class="hub-foot muted">{hub.version.value ? `TermBeam v${hub.version.value}` : ''}</footer>
      </main>
      {showNew.value && <NewSessionSheet onClose={() => (showNew.value = false)} onCreated={goTo} />}
      {showSettings.value && <LazySettings onClose={() => (showSettings.value = false)} />}
      {showRecordings.value && <LazyRecordings onClose={() => (showRecordings.value = false)} />}
      {doomed && (
        <ConfirmSheet
          title="Delete session?"
          confirm="Delete"
          onConfirm={() => void hub.remove(doomed)}
          onClose={() => (confirmDelete.value = null)}
        >
          <p>
            <strong>{doomed.name}</strong> will end: its shell and everything running in it are killed.
          </p>
        </ConfirmSheet>
      )}
    </div>
  );
}
