/** Path arithmetic for the folder browser (POSIX paths, with Windows drive paths tolerated). */

/** The separator a path uses ('\\' for `C:\…`, else '/'). */
export function sepOf(path: string): string {
  return /^[A-Za-z]:\\/.test(path) || (path.includes('\\') && !path.includes('/')) ? '\\' : '/';
}

/** Folder path with exactly one trailing separator, as /api/dirs wants for "list this folder". */
export function withSep(path: string): string {
  const sep = sepOf(path);
  return path.endsWith(sep) ? path : path + sep;
}

/** `/a/b/c` → `/a/b`; the root stays the root. */
export function parentOf(path: string): string {
  const sep = sepOf(path);
  const trimmed = path.length > 1 && path.endsWith(sep) ? path.slice(0, -1) : path;
  const i = trimmed.lastIndexOf(sep);
  if (i < 0) return trimmed;
  if (i === 0) return sep;
  const head = trimmed.slice(0, i);
  return /^[A-Za-z]:$/.test(head) ? head + sep : head;
}

/** Breadcrumbs: `/a/b` → [{label:'/',path:'/'},{label:'a',path:'/a'},{label:'b',path:'/a/b'}]. */
export function crumbs(path: string): { label: string; path: string }[] {
  const sep = sepOf(path);
  const parts = path.split(sep).filter(Boolean);
  const out: { label: string; path: string }[] = [];
  let acc = '';
  if (path.startsWith(sep)) out.push({ label: sep, path: sep });
  for (const part of parts) {
    if (!acc && /^[A-Za-z]:$/.test(part)) {
      acc = part + sep;
      out.push({ label: part, path: acc });
      continue;
    }
    acc = acc ? (acc.endsWith(sep) ? acc + part : acc + sep + part) : sep === '/' ? '/' + part : part;
    out.push({ label: part, path: acc });
  }
  return out;
}
