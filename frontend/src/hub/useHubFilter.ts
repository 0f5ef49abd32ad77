/** The hub's filter: kept in local storage, applied once there are two sessions to tell apart. */
import { useComputed, useSignal, type ReadonlySignal } from '@preact/signals';
import type { AgentInfo, SessionInfo } from '../api';
import { agentOf, applyFilter, describeForFilter, EMPTY_FILTER, facetValues, loadFilter, pruneFilter, saveFilter, type HubFilter } from './filter';

export function useHubFilter(sessions: ReadonlySignal<SessionInfo[] | null>, agents: ReadonlySignal<AgentInfo[]>, launched: Record<string, string>) {
  const filter = useSignal<HubFilter>(loadFilter());
  const rows = useComputed(() => (sessions.value ?? []).map((s) => describeForFilter(s, agentOf(s, agents.value, launched))));
  const facets = useComputed(() => facetValues(rows.value));
  const canFilter = (sessions.value?.length ?? 0) >= 2;
  const effective = canFilter ? pruneFilter(filter.value, facets.value) : EMPTY_FILTER;
  const visibleIds = new Set(applyFilter(rows.value, effective));

  const setFilter = (f: HubFilter) => {
    filter.value = f;
    saveFilter(f);
  };
  return { canFilter, effective, facets: facets.value, visibleIds, setFilter };
}
