import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createTrainer } from '../../src/meta/trainer.js';
import { demoStreams } from '../../src/server/demo-streams.js';
import { startViewerServer } from '../../src/server/server.js';
import { tempDir, tinySine } from '../meta/helpers.js';
import { connectClient, type TestClient } from './clients.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function page(wsUrl: string): Promise<TestClient> {
  const c = await connectClient(wsUrl);
  cleanups.push(() => c.close());
  await c.next('hello', 0);
  return c;
}

describe('the viewer server bounds what a page can make it hold or send back', () => {
  it('an error reply quotes at most a short prefix of the bad input (63 KiB in, well under 2 KB out)', async () => {
    const demo = demoStreams({ fps: 50 });
    cleanups.push(() => demo.stop());
    const server = await startViewerServer({ streams: demo.streams, port: 0 });
    cleanups.push(() => server.close());
    const client = await page(`ws://127.0.0.1:${server.port}/ws`);
    const junk = 'x'.repeat(63 * 1024);
    const inputs = [
      `{${junk}`,
      JSON.stringify({ type: 'select', taskIndex: junk }),
      JSON.stringify({ type: junk }),
      JSON.stringify({ type: 'speed', value: 1, [junk]: 1 }),
    ];
    for (const [i, input] of inputs.entries()) {
      client.send(input);
      const error = await client.next('error', i);
      expect(JSON.stringify(error).length, input.slice(0, 40)).toBeLessThan(2000);
      expect(error.message).toMatch(/expected .+, got /);
    }
  });

  it('select.taskIndex beyond the meta-batch is refused during training, and not broadcast', async () => {
    const trainer = await createTrainer({ config: tinySine({ metaBatchSize: 3 }), outDir: tempDir() });
    const server = await startViewerServer({
      streams: trainer.streams,
      port: 0,
      onControl: (message) => trainer.control(message),
    });
    cleanups.push(() => server.close());
    const [a, b] = [
      await page(`ws://127.0.0.1:${server.port}/ws`),
      await page(`ws://127.0.0.1:${server.port}/ws`),
    ];
    a.send({ type: 'select', taskIndex: 999999 });
    expect(await a.next('error', 0)).toMatchObject({ path: 'select.taskIndex', value: 999999 });
    a.send({ type: 'select', taskIndex: 2 });
    expect((await b.next('state', 0)).select).toEqual({ taskIndex: 2 });
    expect(b.ofType('state')).toHaveLength(1);
  });

  it('any message a page sends gets one short reply, a state or a named error, and the socket stays open', async () => {
    const demo = demoStreams({ fps: 50 });
    cleanups.push(() => demo.stop());
    const server = await startViewerServer({ streams: demo.streams, port: 0 });
    cleanups.push(() => server.close());
    const client = await page(`ws://127.0.0.1:${server.port}/ws`);
    const type = fc.constantFrom('subscribe', 'select', 'pause', 'resume', 'speed', 'task', 'fly');
    const message = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.record({ type, value: fc.anything() }, { requiredKeys: ['type'] }).map((m) => JSON.stringify(m)),
      fc
        .record({ type, taskIndex: fc.oneof(fc.integer(), fc.double()), streams: fc.array(fc.string()) })
        .map((m) => JSON.stringify(m)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    const messages = fc.sample(message, { numRuns: 300, seed: 28 });
    for (const text of messages) client.send(text);
    // Scenes and events of a stream some message subscribed to may come in between: only replies are counted.
    const replies = () => client.messages.filter((m) => m.type === 'state' || m.type === 'error');
    await client.until(() => replies().length >= messages.length, 20_000, 'one reply per message');
    expect(replies()).toHaveLength(messages.length);
    for (const reply of replies()) {
      expect(['state', 'error']).toContain(reply.type);
      expect(JSON.stringify(reply).length).toBeLessThan(2000);
      if (reply.type === 'error') expect(reply.message).toMatch(/: expected .+, got /);
    }
    expect(client.closeCode).toBeNull();
  });
});
