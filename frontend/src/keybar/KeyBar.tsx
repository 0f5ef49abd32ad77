/** Placeholder key bar: the existing key row until the full touch bar lands (issue #8). */
import type { Terminal } from '@xterm/xterm';
import { KeyRow } from '../pages/KeyRow';

export interface KeyBarProps {
  /** Send bytes to the session (already encoded). */
  send: (data: string) => void;
  /** The live terminal (buffer for the copy view, modes for bracketed paste), or null. */
  term: Terminal | null;
  sessionId: string;
}

export function KeyBar({ send, term }: KeyBarProps) {
  return <KeyRow term={{ current: term }} onKey={send} />;
}
