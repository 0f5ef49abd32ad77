/**
 * Which highlight.js grammar a file gets, decided from its name alone (no content sniffing),
 * and whether a file is small enough to highlight at all.
 */

/** Grammar names, as highlight.js files them under lib/languages/. */
export type LangId =
  | 'javascript' | 'typescript' | 'python' | 'json' | 'css' | 'scss' | 'less' | 'xml' | 'bash'
  | 'markdown' | 'yaml' | 'go' | 'rust' | 'java' | 'kotlin' | 'c' | 'cpp' | 'csharp' | 'diff'
  | 'sql' | 'ini' | 'dockerfile' | 'makefile' | 'ruby' | 'php' | 'swift' | 'lua' | 'perl'
  | 'r' | 'scala' | 'powershell' | 'dos' | 'groovy' | 'protobuf' | 'graphql' | 'nginx'
  | 'cmake' | 'haskell' | 'elixir' | 'dart' | 'properties' | 'latex' | 'vim' | 'plaintext';

const BY_EXTENSION: Record<string, LangId> = {
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript',
  ts: 'typescript', tsx: 'typescript', mts: 'typescript', cts: 'typescript',
  py: 'python', pyi: 'python', pyw: 'python',
  json: 'json', jsonc: 'json', json5: 'json', webmanifest: 'json', map: 'json', ipynb: 'json',
  css: 'css', scss: 'scss', sass: 'scss', less: 'less',
  html: 'xml', htm: 'xml', xhtml: 'xml', xml: 'xml', svg: 'xml', vue: 'xml', svelte: 'xml',
  xsl: 'xml', plist: 'xml', csproj: 'xml',
  sh: 'bash', bash: 'bash', zsh: 'bash', ksh: 'bash', fish: 'bash',
  md: 'markdown', markdown: 'markdown', mdx: 'markdown',
  yml: 'yaml', yaml: 'yaml',
  go: 'go', rs: 'rust', java: 'java', kt: 'kotlin', kts: 'kotlin',
  c: 'c', h: 'c',
  cc: 'cpp', cpp: 'cpp', cxx: 'cpp', hh: 'cpp', hpp: 'cpp', hxx: 'cpp', ino: 'cpp',
  cs: 'csharp',
  diff: 'diff', patch: 'diff',
  sql: 'sql',
  toml: 'ini', ini: 'ini', cfg: 'ini', conf: 'ini', editorconfig: 'ini', gitconfig: 'ini',
  properties: 'properties',
  rb: 'ruby', rake: 'ruby', gemspec: 'ruby',
  php: 'php', swift: 'swift', lua: 'lua', pl: 'perl', pm: 'perl', r: 'r',
  scala: 'scala', sc: 'scala',
  ps1: 'powershell', psm1: 'powershell', bat: 'dos', cmd: 'dos',
  gradle: 'groovy', groovy: 'groovy',
  proto: 'protobuf', graphql: 'graphql', gql: 'graphql',
  cmake: 'cmake', hs: 'haskell', ex: 'elixir', exs: 'elixir', dart: 'dart',
  tex: 'latex', vim: 'vim',
  txt: 'plaintext', log: 'plaintext',
};

/** Whole file names that say more than their extension (or have none). */
const BY_NAME: Record<string, LangId> = {
  dockerfile: 'dockerfile', containerfile: 'dockerfile',
  makefile: 'makefile', gnumakefile: 'makefile',
  'cmakelists.txt': 'cmake',
  gemfile: 'ruby', rakefile: 'ruby', vagrantfile: 'ruby',
  '.bashrc': 'bash', '.bash_profile': 'bash', '.profile': 'bash', '.zshrc': 'bash',
  '.gitconfig': 'ini', '.editorconfig': 'ini', 'pipfile': 'ini',
  'nginx.conf': 'nginx',
  '.env': 'bash',
};

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The grammar for a path, or 'plaintext' when nothing fits. */
export function languageFor(path: string): LangId {
  const name = basename(path).toLowerCase();
  if (BY_NAME[name]) return BY_NAME[name];
  if (name.startsWith('dockerfile.') || name.endsWith('.dockerfile')) return 'dockerfile';
  if (name.startsWith('makefile.') || name.endsWith('.mk')) return 'makefile';
  if (name.startsWith('.env.')) return 'bash';
  const dot = name.lastIndexOf('.');
  if (dot < 0) return 'plaintext';
  return BY_EXTENSION[name.slice(dot + 1)] ?? 'plaintext';
}

const IMAGE_EXT = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp', 'ico', 'avif']);

/** Raster images are shown as pictures (the server serves them with their own type). */
export function isImage(path: string): boolean {
  const name = basename(path).toLowerCase();
  const dot = name.lastIndexOf('.');
  return dot > 0 && IMAGE_EXT.has(name.slice(dot + 1));
}

/** Above either limit highlighting would stall the page for seconds on a phone. */
export const HIGHLIGHT_MAX_BYTES = 300 * 1024;
export const HIGHLIGHT_MAX_LINES = 5000;

export type HighlightVerdict = 'ok' | 'plain' | 'too-large';

export function highlightVerdict(lang: LangId, bytes: number, lines: number): HighlightVerdict {
  if (bytes > HIGHLIGHT_MAX_BYTES || lines > HIGHLIGHT_MAX_LINES) return 'too-large';
  return lang === 'plaintext' ? 'plain' : 'ok';
}

/** Lines in a text as an editor counts them: a trailing newline does not start a new line. */
export function countLines(text: string): number {
  if (text === '') return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n - 1 : n;
}

/**
 * Whether decoded file content is binary: the server decodes with replacement, so a NUL or a
 * high share of U+FFFD in the first 8 KB gives it away.
 */
export function looksBinary(text: string): boolean {
  const head = text.slice(0, 8192);
  if (head.includes('\0')) return true;
  let bad = 0;
  for (const ch of head) if (ch === '\uFFFD') bad++;
  return head.length > 0 && bad / head.length > 0.1;
}
