/**
 * A fixed-size piscina pool of worker threads running the module `worker` that sits beside `from` (the caller's
 * import.meta.url): dist/…/worker.js when running the built package; from the TypeScript sources (vitest, tsx) the
 * .ts file through tsx's loader (`--import tsx`), so tests always exercise the current sources, never a stale build.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';

export function fixedThreadPool(from: string, worker: string, threads: number): Piscina {
  const fromSource = from.endsWith('.ts');
  const pool = new Piscina({
    filename: new URL(`./${worker}${fromSource ? '.ts' : '.js'}`, from).href,
    execArgv: fromSource ? ['--import', pathToFileURL(createRequire(from).resolve('tsx')).href] : [],
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  // A worker that dies with no task in flight is reported as an 'error' event; piscina replaces it either way.
  pool.on('error', () => {});
  return pool;
}
