import { describe, expect, it } from 'vitest';
import { fileLook } from './fileKind';

describe('fileLook', () => {
  it.each([
    ['src/app.py', 'code', 'python'],
    ['web/index.tsx', 'code', 'typescript'],
    ['main.go', 'code', 'go'],
    ['Makefile', 'code', 'makefile'],
    ['deploy.sh', 'script', 'bash'],
    ['README.md', 'markdown', null],
    ['docs/logo.PNG', 'image', null],
    ['icon.svg', 'image', null],
    ['config.yaml', 'config', null],
    ['tsconfig.json', 'config', null],
    ['pyproject.toml', 'config', null],
    ['.env.local', 'config', null],
    ['package-lock.json', 'lock', null],
    ['Cargo.lock', 'lock', null],
    ['go.sum', 'lock', null],
    ['pnpm-lock.yaml', 'lock', null],
    ['.gitignore', 'git', null],
    ['Dockerfile', 'docker', null],
    ['docker-compose.yml', 'docker', null],
    ['LICENSE', 'license', null],
    ['LICENSE.md', 'license', null],
    ['dist/bundle.tar.gz', 'archive', null],
    ['notes.txt', 'text', null],
    ['blob.bin', 'file', null],
    ['README', 'file', null],
  ])('%s is %s', (path, kind, lang) => {
    expect(fileLook(path)).toEqual({ kind, lang });
  });

  it('draws folders open or closed', () => {
    expect(fileLook('src', true).kind).toBe('folder');
    expect(fileLook('src', true, true).kind).toBe('folder-open');
    expect(fileLook('app.py', true).kind).toBe('folder'); // a folder named like a file
  });
});
