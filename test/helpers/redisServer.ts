// A throwaway redis-server for the tests: its own free port, no persistence, loopback only,
// killed on stop() and, whatever happens to the test, when this process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';

/** A running redis-server. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** The path of `redis-server` on the PATH, or undefined when there is none. */
export function findRedisServer(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** A TCP port nothing listens on now (the OS picks it; closed before returning). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const running = new Set<ChildProcess>();
// the servers die with this process, even when a test throws before its teardown
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/**
 * Starts `redis-server --port <free port> --save '' --appendonly no --bind 127.0.0.1` and
 * waits until it accepts connections (10 s at most).
 * @throws Error if redis-server is not on the PATH, exits early, or is not ready in time.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const bin = findRedisServer();
  if (bin === undefined) throw new Error('redis-server is not on the PATH');
  const port = await freePort();
  const p = spawn(bin, ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(p);
  const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  void exited.then(() => running.delete(p));
  let log = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} was not ready within 10 s:\n${log}`)), 10_000);
      const onData = (d: Buffer) => {
        log += d.toString();
        if (/Ready to accept connections/.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      };
      p.stdout?.on('data', onData);
      p.stderr?.on('data', onData);
      p.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server on port ${port} exited (${code}) before it was ready:\n${log}`));
      });
    });
  } catch (e) {
    p.kill('SIGKILL');
    throw e;
  }
  p.stdout?.resume();
  p.stderr?.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (p.exitCode !== null || p.signalCode !== null) return;
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
