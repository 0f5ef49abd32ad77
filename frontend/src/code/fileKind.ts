/**
 * What kind of file a name is, for the code viewer's icons: decided from the name alone, like
 * the highlighting language (lang.ts), which also tells code apart by language.
 */
import { isImage, languageFor, type LangId } from './lang';

export type FileKind =
  | 'folder' | 'folder-open' | 'code' | 'script' | 'markdown' | 'image' | 'config' | 'lock'
  | 'git' | 'docker' | 'license' | 'archive' | 'text' | 'file';

export interface FileLook {
  kind: FileKind;
  /** The language of a code file (its icon's colour), else null. */
  lang: LangId | null;
}

const LOCK_NAMES = new Set([
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'cargo.lock',
  'gemfile.lock', 'poetry.lock', 'pipfile.lock', 'uv.lock', 'composer.lock', 'go.sum', 'flake.lock', 'mix.lock',
  'pubspec.lock', 'podfile.lock',
]);
const GIT_NAMES = new Set(['.gitignore', '.gitattributes', '.gitmodules', '.gitkeep', '.mailmap']);
const LICENSE = /^(licen[cs]e|copying|notice)([.-].*)?$/;
const DOCKER_NAMES = new Set(['.dockerignore', 'docker-compose.yml', 'docker-compose.yaml', 'compose.yml', 'compose.yaml']);
const ARCHIVE_EXT = new Set(['zip', 'tar', 'gz', 'tgz', 'bz2', 'xz', 'zst', '7z', 'rar', 'jar', 'whl', 'deb', 'rpm']);
/** Languages whose files configure rather than program. */
const CONFIG_LANGS = new Set<LangId>(['json', 'yaml', 'ini', 'properties', 'nginx']);
const SCRIPT_LANGS = new Set<LangId>(['bash', 'powershell', 'dos']);
const TEXT_EXT = new Set(['txt', 'log', 'csv', 'tsv', 'rst', 'adoc', 'text']);
const CONFIG_NAMES = new Set(['.env', '.npmrc', '.nvmrc', '.prettierrc', '.eslintrc', '.babelrc', '.editorconfig']);

function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1) : '';
}

/** The look of a tree entry or a changed file (a `/`-separated path or a bare name). */
export function fileLook(path: string, directory = false, open = false): FileLook {
  if (directory) return { kind: open ? 'folder-open' : 'folder', lang: null };
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  const plain = (kind: FileKind): FileLook => ({ kind, lang: null });
  if (LOCK_NAMES.has(name) || name.endsWith('.lock')) return plain('lock');
  if (GIT_NAMES.has(name)) return plain('git');
  if (LICENSE.test(name)) return plain('license');
  if (DOCKER_NAMES.has(name)) return plain('docker');
  if (CONFIG_NAMES.has(name) || name.startsWith('.env.')) return plain('config');
  if (isImage(name) || extension(name) === 'svg') return plain('image');
  if (ARCHIVE_EXT.has(extension(name))) return plain('archive');
  const lang = languageFor(name);
  if (lang === 'dockerfile') return plain('docker');
  if (lang === 'markdown') return plain('markdown');
  if (lang === 'plaintext') return plain(TEXT_EXT.has(extension(name)) ? 'text' : 'file');
  if (CONFIG_LANGS.has(lang)) return plain('config');
  if (SCRIPT_LANGS.has(lang)) return { kind: 'script', lang };
  return { kind: 'code', lang };
}
