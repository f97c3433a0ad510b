import type { Command } from 'commander';
import { TerrariumError } from '../core/errors.js';
import { queueConnection } from '../meta/queue/connection.js';
import { intOption, numberOption, pathOption } from './options.js';
import { QUEUE_CA_HELP } from './queue-help.js';

interface WorkerCliOptions {
  queue: string;
  queueCa?: string;
  concurrency: number;
  backend?: string;
  stallTimeout: number;
}

/**
 * `terrarium worker --queue URL`: runs the adaptation jobs of every `terrarium train|pretrain --queue URL` on the
 * same Redis, until Ctrl-C or SIGTERM (its running jobs then go back to the queue after the stall timeout).
 */
export async function runWorker(options: WorkerCliOptions): Promise<number> {
  const connection = queueConnection(options.queue, options.queueCa);
  if (options.backend !== undefined) {
    const { BACKEND_NAMES } = await import('../agents/backend.js');
    if (!(BACKEND_NAMES as readonly string[]).includes(options.backend))
      throw new TerrariumError('--backend', options.backend, `one of ${BACKEND_NAMES.join(', ')}`);
  }
  const { startQueueWorker } = await import('../meta/queue/queue-worker.js');
  const worker = await startQueueWorker({
    connection,
    concurrency: options.concurrency,
    backend: options.backend,
    stallTimeoutMs: Math.round(options.stallTimeout * 1000),
    onLog: (line) => process.stderr.write(`terrarium worker: ${line}\n`),
  });
  process.stdout.write(
    `worker ${worker.name} on ${connection.shown}: ${options.concurrency} job(s) at a time` +
      `${options.backend ? `, backend ${options.backend}` : ''}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await worker.close();
  return 0;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run adaptation jobs of `train --queue` / `pretrain --queue` runs from a Redis queue')
    .requiredOption(
      '--queue <url>',
      'Redis URL: redis://[user:pass@]host:port[/db], or rediss:// for TLS; the password may come from ' +
        'TERRARIUM_QUEUE_PASSWORD instead (off the command line)',
    )
    .option('--queue-ca <file>', QUEUE_CA_HELP, pathOption('--queue-ca'))
    .option(
      '--concurrency <n>',
      'jobs at once (one worker thread each)',
      intOption('--concurrency', 1, 64),
      1,
    )
    .option(
      '--backend <name>',
      "tfjs backend for RL jobs (default: the trainer's): auto, wasm, cpu, node, node-gpu",
    )
    .option(
      '--stall-timeout <s>',
      "seconds without this worker's heartbeat before its jobs go to another worker",
      numberOption('--stall-timeout', 0.5),
      30,
    )
    .action(async (options: WorkerCliOptions) => {
      process.exitCode = await runWorker(options);
    });
}
