/**
 * `npm run bench -- viewer [--seconds S] [--rounds R] [--clients N] [--json]`: the cost of watching training.
 * A training-like loop (scripted meta-iterations stepping real ball-nav episodes, publishing metrics and
 * adaptation events, with the cold display episode at real time) runs with 0, 1 and N viewer connections, in
 * interleaved windows; the clients live in a child process. Reports per setting the median wall time of an
 * iteration and this process's CPU time per iteration (the training process's own cost, unaffected by waiting for a
 * core on a shared machine), each as a ratio to 0 clients (goal: N = 50 costs <= 10 %), and what the clients got.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { machineInfo } from '../src/cli/machine-info.js';
import { median } from '../src/core/summary.js';
import { demoStreams } from '../src/server/demo-streams.js';
import { startViewerServer } from '../src/server/server.js';

interface Window {
  clients: number;
  iterationMs: number[];
  /** CPU time (user + system) of this process per iteration: immune to waiting for a core on a shared machine. */
  cpuMsPerIteration: number;
  frames: number;
  seconds: number;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '4' },
      rounds: { type: 'string', default: '4' },
      clients: { type: 'string', default: '50' },
      json: { type: 'boolean', default: false },
    },
  });
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const settings = [0, 1, Number(values.clients)];
  const machine = machineInfo();
  const config = {
    env: 'ball-nav',
    metaBatch: 10,
    innerSteps: 3,
    episodesPerStep: 5,
    seconds,
    rounds,
    settings,
  };
  if (!values.json) {
    process.stdout.write(
      `config: ${JSON.stringify(config)}\nmachine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, commit ${machine.commit}\n`,
    );
  }
  const demo = demoStreams(config);
  const server = await startViewerServer({ streams: demo.streams, port: 0 });
  const wsUrl = `ws://127.0.0.1:${server.port}/ws`;
  const windows: Window[] = [];
  try {
    await timeIterations(demo.runIteration, 0.5); // warm-up: Rapier, JIT
    for (let round = 0; round < rounds; round++) {
      for (const clients of settings) {
        const child = clients > 0 ? await spawnClients(wsUrl, clients) : null;
        const cpu = process.cpuUsage();
        const iterationMs = await timeIterations(demo.runIteration, seconds);
        const used = process.cpuUsage(cpu);
        const cpuMsPerIteration = (used.user + used.system) / 1000 / iterationMs.length;
        const received = child ? await stopClients(child) : { frames: 0 };
        windows.push({ clients, iterationMs, cpuMsPerIteration, frames: received.frames, seconds });
      }
    }
  } finally {
    await server.close();
    demo.stop();
  }
  const rows = settings.map((clients) => {
    const mine = windows.filter((w) => w.clients === clients);
    const times = mine.flatMap((w) => w.iterationMs);
    const frames = mine.reduce((sum, w) => sum + w.frames, 0);
    return {
      clients,
      medianIterationMs: median(times),
      cpuMsPerIteration: median(mine.map((w) => w.cpuMsPerIteration)),
      iterations: times.length,
      framesPerClientPerSecond: clients ? frames / clients / (seconds * rounds) : 0,
    };
  });
  const base = rows[0]!;
  const result = rows.map((row) => ({
    ...row,
    ratio: row.medianIterationMs / base.medianIterationMs,
    cpuRatio: row.cpuMsPerIteration / base.cpuMsPerIteration,
  }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ config, machine, result })}\n`);
    return;
  }
  for (const row of result) {
    process.stdout.write(
      `${String(row.clients).padStart(3)} clients: iteration ${row.medianIterationMs.toFixed(2)} ms wall ` +
        `(median of ${row.iterations}, ratio ${row.ratio.toFixed(3)}), ${row.cpuMsPerIteration.toFixed(2)} ms CPU ` +
        `(ratio ${row.cpuRatio.toFixed(3)}), ${row.framesPerClientPerSecond.toFixed(1)} frames/s per client\n`,
    );
  }
}

/** Runs iterations for `seconds`, yielding to the event loop between them (where the server sends). */
async function timeIterations(iterate: () => Promise<unknown>, seconds: number): Promise<number[]> {
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const started = performance.now();
    await iterate();
    await new Promise((resolve) => setImmediate(resolve));
    times.push(performance.now() - started);
  }
  return times;
}

function spawnClients(url: string, count: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/viewer-clients.ts', url, String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => (line === 'ready' ? resolve(child) : reject(new Error(line))));
    child.once('exit', (code) => reject(new Error(`clients exited with ${code}`)));
  });
}

function stopClients(child: ChildProcess): Promise<{ frames: number; messages: number }> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('{')) resolve(JSON.parse(line));
    });
    child.kill('SIGTERM');
  });
}
