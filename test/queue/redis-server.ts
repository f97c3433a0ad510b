/**
 * Test helpers for the queue: a real redis-server of our own on a free loopback port (no persistence, so a
 * restart loses every job, the worst case), and real `terrarium worker` processes (the built CLI, bin/terrarium.js).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL: no goodbye to clients) and starts a fresh, empty one on the same port. */
  restart(downMs?: number): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number, extra: string[]): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${out}`));
    });
  });
}

function exited(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Starts redis-server (`requirepass` with `password`). */
export async function startRedis(options: { password?: string } = {}): Promise<RedisServer> {
  const port = await freePort();
  const extra = options.password ? ['--requirepass', options.password] : [];
  let child = await launch(port, extra);
  const auth = options.password ? `:${options.password}@` : '';
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    restart: async (downMs = 500) => {
      await exited(child, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, downMs));
      child = await launch(port, extra);
    },
    kill: () => exited(child, 'SIGKILL'),
    stop: () => exited(child, 'SIGTERM'),
  };
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves once the output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `terrarium worker --queue URL ...` as a child process; resolves once it is connected. */
export async function startWorker(url: string, args: string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['bin/terrarium.js', 'worker', '--queue', url, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    out += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const worker: WorkerProcess = {
    child,
    output: () => out,
    waitFor: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(out)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`worker output never matched ${pattern}: ${out}`));
        }, timeoutMs);
        listeners.add(check);
        child.once('exit', () => check());
        check();
      }),
    kill: (signal = 'SIGKILL') => exited(child, signal),
  };
  await worker.waitFor(/^worker \S+ on /m);
  return worker;
}
