/** Review mode's state: the toggle, the pending comments and sending them to the terminal. */
import { useRef, useState } from 'preact/hooks';
import type { ReviewHooks } from './DiffView';
import { buildBatch, type ReviewComment } from './review';
import type { DiffKind } from './tabs';

export function useReview(sendToTerminal: ((data: string) => void) | null) {
  const [on, setOn] = useState(false);
  const [comments, setComments] = useState<ReviewComment[]>([]);
  const [sent, setSent] = useState<string | null>(null);
  const nextId = useRef(1);

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
