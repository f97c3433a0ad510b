/**
 * `npm run bench -- stalled-client [--rounds R] [--json]`: does a viewer client that never reads slow the producer?
 * A demo stream publishing 200 pose frames a tick runs scripted meta-iterations with one reading client, then with a
 * stalled client added once the server has started dropping its frames. Reports the median wall time of 3 iterations
 * alone and with the stalled client, and their ratio (goal: < 2). Moved here from test/server/server.test.ts: a
 * wall-clock ratio is a benchmark, not a test, on a shared machine.
 */
import { parseArgs } from 'node:util';
import { machineInfo } from '../src/cli/machine-info.js';
import { median } from '../src/core/summary.js';
import { demoStreams } from '../src/server/demo-streams.js';
import { startViewerServer } from '../src/server/server.js';
import { connectClient, connectStalledClient } from '../test/server/clients.js';

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { rounds: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } },
  });
  const rounds = Number(values.rounds);
  const demo = demoStreams({ fps: 1000, framesPerTick: 200 });
  const server = await startViewerServer({
    streams: demo.streams,
    port: 0,
    displayHz: Infinity,
    highWaterMark: 64 * 1024,
    heartbeatMs: 60_000,
  });
  const reader = await connectClient(`ws://127.0.0.1:${server.port}/ws`);
  const threeIterations = async () => {
    const started = performance.now();
    for (let i = 0; i < 3; i++) await demo.runIteration();
    return (performance.now() - started) / 1000;
  };
  try {
    reader.send({ type: 'subscribe', streams: ['frames'] });
    await reader.until(() => reader.frames.length > 0, 5000, 'frames');
    const alone: number[] = [];
    for (let r = 0; r < rounds; r++) alone.push(await threeIterations());
    const stalled = await connectStalledClient(server.port, [{ type: 'subscribe', streams: ['frames'] }]);
    try {
      await reader.until(() => server.stats().framesDropped > 1000, 15_000, 'frames dropped');
      const withStalled: number[] = [];
      for (let r = 0; r < rounds; r++) withStalled.push(await threeIterations());
      const result = {
        aloneSeconds: median(alone),
        withStalledSeconds: median(withStalled),
        ratio: median(withStalled) / median(alone),
        framesDropped: server.stats().framesDropped,
        maxBufferedAmount: server.stats().maxBufferedAmount,
      };
      if (values.json) process.stdout.write(`${JSON.stringify({ machine: machineInfo(), result })}\n`);
      else {
        process.stdout.write(
          `3 iterations alone ${result.aloneSeconds.toFixed(3)} s, with a stalled client ` +
            `${result.withStalledSeconds.toFixed(3)} s: ratio ${result.ratio.toFixed(2)} (goal < 2); ` +
            `${result.framesDropped} frames dropped, max buffered ${result.maxBufferedAmount} bytes\n`,
        );
      }
    } finally {
      stalled.destroy();
    }
  } finally {
    reader.close();
    await server.close();
    demo.stop();
  }
}
