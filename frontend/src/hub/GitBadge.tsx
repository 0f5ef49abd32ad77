/**
 * A session's git badge, shared by the hub cards and the terminal's session drawer:
 * provider mark + repository, branch, and the status (✓ or "+2 ~1 ?3 ↑3 ↓1"). One role="img"
 * with the whole badge in words, so a screen reader hears "2 staged" and not "plus 2".
 */
import { BranchIcon, HostIcon, LocalRepoIcon } from './icons';
import { gitBadgeParts, MONOGRAM, type ProviderKind } from './gitbadge';
import './gitbadge.css';

export interface GitBadgeProps {
  git: unknown;
  /** Extra class on the wrapper (the drawer uses a smaller variant). */
  class?: string;
  id?: string;
}

function ProviderMark({ kind }: { kind: ProviderKind | null }) {
  if (kind === null) return <LocalRepoIcon />;
  if (kind === 'host') return <HostIcon />;
  return (
    <span class="gitb-mark" data-provider={kind}>
      {MONOGRAM[kind]}
    </span>
  );
}

export function GitBadge({ git, class: extra, id }: GitBadgeProps) {
  const b = gitBadgeParts(git);
  if (!b) return null;
  const state = b.clean === null ? '' : b.clean ? ' clean' : ' dirty';
  return (
    <span id={id} class={`gitb${state}${extra ? ` ${extra}` : ''}`} role="img" aria-label={b.label} title={b.label}>
      {(b.repo || b.provider) && (
        <span class="gitb-pill gitb-repo">
          <ProviderMark kind={b.providerKind} />
          <span class="gitb-text">{b.repo ?? b.provider}</span>
        </span>
      )}
      <span class="gitb-pill gitb-branch">
        <BranchIcon />
        <span class="gitb-text">{b.branch}</span>
      </span>
      {b.clean !== null && (
        <span class="gitb-pill gitb-status">
          {b.clean ? (
            <span class="gitb-clean">✓</span>
          ) : b.parts.length ? (
            b.parts.map((p) => (
              <span key={p.kind} class={`gitb-n ${p.kind}`}>
                {p.text}
              </span>
            ))
          ) : (
            <span class="gitb-n modified">●</span>
          )}
        </span>
      )}
    </span>
  );
}
