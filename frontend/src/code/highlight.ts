/**
 * Syntax highlighting on demand: highlight.js core and each grammar are separate chunks,
 * fetched the first time a file needs them.
 */
import type { HLJSApi, LanguageFn } from 'highlight.js';
import type { LangId } from './lang';

type Loader = () => Promise<{ default: LanguageFn }>;

// Literal specifiers, so the bundler can split each grammar into its own chunk.
const LOADERS: Record<Exclude<LangId, 'plaintext'>, Loader> = {
  javascript: () => import('highlight.js/lib/languages/javascript'),
  typescript: () => import('highlight.js/lib/languages/typescript'),
  python: () => import('highlight.js/lib/languages/python'),
  json: () => import('highlight.js/lib/languages/json'),
  css: () => import('highlight.js/lib/languages/css'),
  scss: () => import('highlight.js/lib/languages/scss'),
  less: () => import('highlight.js/lib/languages/less'),
  xml: () => import('highlight.js/lib/languages/xml'),
  bash: () => import('highlight.js/lib/languages/bash'),
  markdown: () => import('highlight.js/lib/languages/markdown'),
  yaml: () => import('highlight.js/lib/languages/yaml'),
  go: () => import('highlight.js/lib/languages/go'),
  rust: () => import('highlight.js/lib/languages/rust'),
  java: () => import('highlight.js/lib/languages/java'),
  kotlin: () => import('highlight.js/lib/languages/kotlin'),
  c: () => import('highlight.js/lib/languages/c'),
  cpp: () => import('highlight.js/lib/languages/cpp'),
  csharp: () => import('highlight.js/lib/languages/csharp'),
  diff: () => import('highlight.js/lib/languages/diff'),
  sql: () => import('highlight.js/lib/languages/sql'),
  ini: () => import('highlight.js/lib/languages/ini'),
  dockerfile: () => import('highlight.js/lib/languages/dockerfile'),
  makefile: () => import('highlight.js/lib/languages/makefile'),
  ruby: () => import('highlight.js/lib/languages/ruby'),
  php: () => import('highlight.js/lib/languages/php'),
  swift: () => import('highlight.js/lib/languages/swift'),
  lua: () => import('highlight.js/lib/languages/lua'),
  perl: () => import('highlight.js/lib/languages/perl'),
  r: () => import('highlight.js/lib/languages/r'),
  scala: () => import('highlight.js/lib/languages/scala'),
  powershell: () => import('highlight.js/lib/languages/powershell'),
  dos: () => import('highlight.js/lib/languages/dos'),
  groovy: () => import('highlight.js/lib/languages/groovy'),
  protobuf: () => import('highlight.js/lib/languages/protobuf'),
  graphql: () => import('highlight.js/lib/languages/graphql'),
  nginx: () => import('highlight.js/lib/languages/nginx'),
  cmake: () => import('highlight.js/lib/languages/cmake'),
  haskell: () => import('highlight.js/lib/languages/haskell'),
  elixir: () => import('highlight.js/lib/languages/elixir'),
  dart: () => import('highlight.js/lib/languages/dart'),
  properties: () => import('highlight.js/lib/languages/properties'),
  latex: () => import('highlight.js/lib/languages/latex'),
  vim: () => import('highlight.js/lib/languages/vim'),
};

let core: Promise<HLJSApi> | null = null;

function loadCore(): Promise<HLJSApi> {
  core ??= import('highlight.js/lib/core').then((m) => m.default);
  return core;
}

/** The file as highlighted HTML (hljs escapes the text), or null for plain text. */
export async function highlight(code: string, lang: LangId): Promise<string | null> {
  if (lang === 'plaintext') return null;
  const hljs = await loadCore();
  if (!hljs.getLanguage(lang)) hljs.registerLanguage(lang, (await LOADERS[lang]()).default);
  return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
}
