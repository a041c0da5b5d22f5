// Builds the browser example with esbuild (the bundler tsup runs on) and serves it on
// 127.0.0.1: `npm run example:browser`, then open the address it prints. PORT picks the port
// (default 8080; 0 takes a free one).
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Bundles the page (main.ts) and the worker (worker.ts) into `dist/` beside index.html, with
 * the code they share (and the report's charting, loaded when first used) split into chunks,
 * and copies tfjs's own wasm binaries there for its wasm backend.
 * @returns the bundles' sizes in bytes.
 */
export async function buildExample(options: { minify?: boolean } = {}): Promise<Record<string, number>> {
  const outdir = join(here, 'dist');
  rmSync(outdir, { recursive: true, force: true }); // no chunk of an earlier build left beside this one
  const result = await build({
    entryPoints: { main: join(here, 'main.ts'), worker: join(here, 'worker.ts') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir,
    minify: options.minify ?? true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')); // its dist/, beside the binaries
  mkdirSync(outdir, { recursive: true });
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) copyFileSync(join(wasmDir, f), join(outdir, f));
  return Object.fromEntries(Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js')).map(([f, o]) => [f.slice(f.lastIndexOf('/') + 1), o.bytes]));
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json', '.wasm': 'application/wasm', '.css': 'text/css' };

/**
 * Serves the example folder on 127.0.0.1 (files only, nothing above the folder).
 * @returns the page's address and a function that stops the server.
 */
export async function serveExample(port = 8080): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let path: string;
    try {
      path = normalize(join(here, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    } catch {
      res.writeHead(400).end('bad request'); // a malformed escape, say
      return;
    }
    const file = path.endsWith(sep) ? join(path, 'index.html') : path;
    if (!file.startsWith(here + sep) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/index.html`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = await buildExample();
  for (const [f, bytes] of Object.entries(sizes)) console.log(`built dist/${f} (${(bytes / 1024).toFixed(0)} KB)`);
  const { url } = await serveExample(Number(process.env.PORT ?? 8080));
  console.log(`open ${url} (add ?auto to run both tasks on load); Ctrl-C stops`);
}
