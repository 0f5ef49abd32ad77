/**
 * `npm run build`: vite builds into a fresh folder beside termbeam_py/static, the precompressed
 * siblings are written there (compress.mjs), and only then does it take static's place. A
 * server running from this checkout (a test, a second build) never sees a half-emptied folder,
 * which vite's own emptyOutDir would give it for the whole build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const STATIC = fileURLToPath(new URL('../../termbeam_py/static', import.meta.url));
const fresh = `${STATIC}.build-${process.pid}`;
const old = `${STATIC}.old-${process.pid}`;

try {
  await build({ build: { outDir: fresh, emptyOutDir: true } });
  execFileSync(process.execPath, [fileURLToPath(new URL('./compress.mjs', import.meta.url)), fresh], { stdio: 'inherit' });
  // Two renames: the folder is missing for the instant between them, never half-written.
  if (existsSync(STATIC)) renameSync(STATIC, old);
  renameSync(fresh, STATIC);
} finally {
  rmSync(fresh, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
}
