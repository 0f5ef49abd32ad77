/**
 * Review mode's state: the toggle, the pending comments and sending them to the terminal.
 * Pending comments are kept per repository in localStorage (reviewStore), so a reload brings
 * them back; sending, removing or discarding them takes them out of the store as well.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ReviewHooks } from './DiffView';
import { buildBatch, type ReviewComment } from './review';
import { browserStorage, loadComments, saveComments } from './reviewStore';
import type { DiffKind } from './tabs';

/**
 * `repo` is the repository's top level (git status's repoRoot): the store's key. Where there
 * is no terminal to send to there is no review mode, and nothing is read or written.
 */
export function useReview(sendToTerminal: ((data: string) => void) | null, repo: string | null) {
  const [on, setOn] = useState(false);
  const [comments, setComments] = useState<ReviewComment[]>([]);
  const [sent, setSent] = useState<string | null>(null);
  const nextId = useRef(1);
  /** The repository whose stored comments `comments` holds; null until they are read. */
  const loaded = useRef<string | null>(null);
  const persist = sendToTerminal !== null;

  // Save before load (effects run in order): when the repository changes, this render's list
  // still belongs to the old one and must not be written under the new key.
  useEffect(() => {
    if (persist && repo && loaded.current === repo) saveComments(browserStorage(), repo, comments);
  }, [comments, repo, persist]);

  useEffect(() => {
    if (!persist || !repo || loaded.current === repo) return;
    loaded.current = repo;
    setComments(loadComments(browserStorage(), repo).map((c) => ({ ...c, id: nextId.current++ })));
  }, [repo, persist]);

  /** One diff's view of review mode; null where nothing can be sent (the full page). */
  const hooksFor = (path: string, kind: DiffKind): ReviewHooks | null =>
    sendToTerminal && {
      on,
      toggle: () => setOn((v) => !v),
      comments: comments.filter((c) => c.path === path && c.kind === kind),
      add: (c) => {
        setComments((list) => [...list, { ...c, id: nextId.current++ }]);
        setSent(null);
      },
      remove: (id) => setComments((list) => list.filter((c) => c.id !== id)),
    };

  const send = () => {
    const { paste, left } = buildBatch(comments);
    if (!sendToTerminal || !paste) return;
    sendToTerminal(paste);
    const n = comments.length - left.length;
    setComments(left);
    const rest = left.length ? `; ${left.length} did not fit, send again` : '';
    setSent(`Sent ${n} comment${n === 1 ? '' : 's'} to the terminal${rest}.`);
  };

  return { comments, sent, hooksFor, send, discard: () => setComments([]) };
}
