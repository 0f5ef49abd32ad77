/**
 * Post-build step: writes a brotli (.br) and a gzip (.gz) sibling next to every built text
 * file, so the server can send them precompressed (termbeam_py/static.py picks one per request
 * from Accept-Encoding). Node's own zlib does both; nothing is compressed on each request.
 * A sibling is only kept when it saves something worth a second file.
 * Usage: node scripts/compress.mjs [folder]
 */
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { promisify } from 'node:util';

/** Vite's outDir (vite.config.ts), or the folder named on the command line (tests). */
const OUT_DIR = process.argv[2] ?? fileURLToPath(new URL('../../termbeam_py/static', import.meta.url));
/** Text formats; fonts and images are compressed already. */
const TEXT = /\.(js|mjs|css|html|svg|json|webmanifest|txt|md)$/;
/** Below this a compressed copy saves less than its response headers cost. */
const MIN_BYTES = 1024;
/** Keep a sibling only when it is at most this fraction of the original. */
const MAX_RATIO = 0.9;

const br = promisify(brotliCompress);
const gz = promisify(gzip);

async function* files(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

async function compressOne(path) {
  const data = await readFile(path);
  let saved = 0;
  for (const [ext, make] of [
    ['.br', () => br(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } })],
    ['.gz', () => gz(data, { level: 9 })],
  ]) {
    const packed = await make();
    if (data.length >= MIN_BYTES && packed.length <= data.length * MAX_RATIO) {
      await writeFile(path + ext, packed);
      if (ext === '.br') saved += data.length - packed.length;
    } else {
      await rm(path + ext, { force: true }); // a stale sibling would be served in its place
    }
  }
  return saved;
}

const started = Date.now();
const jobs = [];
for await (const path of files(OUT_DIR)) {
  if (TEXT.test(path) && (await stat(path)).isFile()) jobs.push(compressOne(path));
}
const saved = (await Promise.all(jobs)).reduce((a, b) => a + b, 0);
console.log(`compress: ${jobs.length} files, brotli saves ${(saved / 1024).toFixed(0)} KiB (${Date.now() - started} ms)`);
