/**
 * The resume panel's state: the debounced search, the agent filter, the past sessions they
 * select (a newer search wins over a slower older one), and resuming or copying one.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { errorText } from '../errorText';
import { copyText, fetchHistory, fetchResumeCommand, openTerminal, startSession } from './actions';
import { agentChips, resumeBody, type AgentChip, type AgentSession } from './history';
import type { Moved } from './StartNotices';

const SEARCH_DEBOUNCE_MS = 250;

export interface Copied {
  id: string;
  command: string;
  ok: boolean;
}

export function useResumeHistory() {
  const search = useSignal('');
  const query = useSignal('');
  const agent = useSignal('');
  const sessions = useSignal<AgentSession[] | null>(null);
  const chips = useSignal<AgentChip[]>([]);
  const error = useSignal<string | null>(null);
  const busy = useSignal<string | null>(null);
  const moved = useSignal<Moved | null>(null);
  const copied = useSignal<Copied | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const seq = useRef(0);

  useEffect(() => {
    const mine = ++seq.current;
    error.value = null;
    const filter = agent.value;
    fetchHistory({ search: query.value, agent: filter })
      .then((rows) => {
        if (mine !== seq.current) return; // a newer search answered first
        sessions.value = rows;
        if (!filter) chips.value = agentChips(rows);
      })
      .catch((err) => {
        if (mine !== seq.current) return;
        sessions.value = [];
        error.value = `Could not read past agent sessions: ${errorText(err)}`;
      });
  }, [query.value, agent.value]);

  useEffect(() => () => clearTimeout(timer.current), []);

  const setSearch = (text: string, now = false) => {
    search.value = text;
    clearTimeout(timer.current);
    if (now) query.value = text.trim();
    else timer.current = setTimeout(() => (query.value = text.trim()), SEARCH_DEBOUNCE_MS);
  };

  const resume = async (s: AgentSession) => {
    if (busy.value) return;
    busy.value = s.id;
    error.value = null;
    try {
      const command = await fetchResumeCommand(s);
      const started = await startSession(resumeBody(s, command), s.agent);
      if (started.droppedCwd) moved.value = { id: started.id, folder: started.droppedCwd };
      else openTerminal(started.id);
    } catch (err) {
      error.value = `Could not resume: ${errorText(err)}`;
    } finally {
      busy.value = null;
    }
  };

  const copy = async (s: AgentSession) => {
    error.value = null;
    try {
      const command = await fetchResumeCommand(s);
      copied.value = { id: s.id, command, ok: await copyText(command) };
    } catch (err) {
      error.value = `Could not get the resume command: ${errorText(err)}`;
    }
  };

  return { search, query, agent, sessions, chips, error, busy, moved, copied, setSearch, resume, copy };
}
