import type * as FsPromises from 'node:fs/promises';
import type * as Path from 'node:path';
import { TradegymError } from './errors.js';

// Node's built-in modules, reached at run time through `process.getBuiltinModule` (Node >= 20.16)
// instead of static imports: no entry of the package imports one, so every entry bundles for the
// browser as it is, and what needs Node says so when it is called elsewhere.

/** The `process` of Node, or undefined where there is none (a browser, a worker without it). */
function nodeProcess(): { readonly pid: number; kill(pid: number, signal: number): void; getBuiltinModule?: (id: string) => unknown } | undefined {
  return (globalThis as { process?: { pid: number; kill(pid: number, signal: number): void; getBuiltinModule?: (id: string) => unknown } }).process;
}

/**
 * Node's built-in module `id` (e.g. `'node:fs/promises'`), for `what` (the function that needs
 * it, named in the error); `instead` says what a browser does instead. @internal
 * @throws TradegymError outside Node, naming `what` and what to use instead.
 */
export function nodeBuiltin<T>(id: string, what: string, instead = 'work in memory (e.g. parseCsv, renderReport)'): T {
  const get = nodeProcess()?.getBuiltinModule;
  if (typeof get !== 'function') throw new TradegymError(`${what} needs Node.js (${id}), which this JavaScript engine is not; in a browser, ${instead} instead`);
  return get(id) as T;
}

/**
 * Writes `text` to the file `path` (UTF-8), creating its directory: the reports' file output,
 * written once. @internal
 * @throws TradegymError outside Node (see {@link nodeBuiltin}).
 */
export async function writeTextFile(path: string, text: string, what: string): Promise<void> {
  const fs = nodeBuiltin<typeof FsPromises>('node:fs/promises', what);
  const { dirname } = nodeBuiltin<typeof Path>('node:path', what);
  await fs.mkdir(dirname(path), { recursive: true });
  await fs.writeFile(path, text);
}
