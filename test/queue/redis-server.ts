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

function launch(args: string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--save', '', '--appendonly', 'no', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

/** A server certificate, its key and the CA that signed it (PEM files; see tls-certs.ts). */
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface RedisOptions {
  /** `requirepass`: clients must give this password. */
  password?: string;
  /** TLS only (no plain port); the URL is then rediss://. */
  tls?: TlsFiles;
  /** With tls: Redis's default, `tls-auth-clients yes` (clients must show a certificate); otherwise `no`. */
  clientCertificates?: boolean;
  /** Interfaces to listen on (default 127.0.0.1). */
  bind?: string[];
  /** More redis-server arguments (before ours: the port and interfaces are always ours). */
  args?: string[];
}

/** Starts redis-server on a free loopback port: plain or TLS-only, with or without a password. */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const { tls } = options;
  const args = [
    ...(options.args ?? []),
    ...(tls
      ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key]
      : ['--port', String(port)]),
    ...(tls
      ? ['--tls-ca-cert-file', tls.ca, '--tls-auth-clients', options.clientCertificates ? 'yes' : 'no']
      : []),
    '--bind',
    ...(options.bind ?? ['127.0.0.1']),
    ...(options.password ? ['--requirepass', options.password] : []),
  ];
  let child = await launch(args);
  const auth = options.password ? `:${options.password}@` : '';
  return {
    port,
    url: `${tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`,
    restart: async (downMs = 500) => {
      await exited(child, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, downMs));
      child = await launch(args);
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
export function startWorker(
  url: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<WorkerProcess> {
  return startWorkerCommand(process.execPath, ['bin/terrarium.js', 'worker', '--queue', url, ...args], env);
}

/** A command that runs `terrarium worker` (through a shell, say); resolves once the worker is connected. */
export async function startWorkerCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<WorkerProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
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
