/** Inline SVG icons: emoji glyphs render as empty boxes where no emoji font is installed. */
const common = { width: 16, height: 16, viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true', focusable: 'false' } as const;

export const FolderIcon = () => (
  <svg {...common} class="icon">
    <path d="M3 6.5A1.5 1.5 0 0 1 4.5 5H9l2 2h8.5A1.5 1.5 0 0 1 21 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z" />
  </svg>
);

export const TrashIcon = () => (
  <svg {...common} class="icon">
    <path d="M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3" />
  </svg>
);

export const BranchIcon = () => (
  <svg {...common} width={12} height={12} class="icon">
    <circle cx="6" cy="5" r="2" />
    <circle cx="6" cy="19" r="2" />
    <circle cx="18" cy="7" r="2" />
    <path d="M6 7v10M18 9c0 5-6 4-11.5 8.5" />
  </svg>
);

/** A neutral "hosted somewhere" mark for git hosts we have no monogram for: a plain globe. */
export const HostIcon = () => (
  <svg {...common} width={12} height={12} class="icon">
    <circle cx="12" cy="12" r="9" />
    <path d="M3 12h18M12 3c3 3.2 3 14.8 0 18M12 3c-3 3.2-3 14.8 0 18" />
  </svg>
);

/** A repository with no remote: a plain box (the work tree lives only on this machine). */
export const LocalRepoIcon = () => (
  <svg {...common} width={12} height={12} class="icon">
    <rect x="4" y="4" width="16" height="16" rx="2" />
    <path d="M4 15h16" />
  </svg>
);
