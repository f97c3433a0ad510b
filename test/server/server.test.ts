import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ballNavTaskSchema } from '../../src/envs/ball-nav.js';
import { type DemoStreams, demoStreams } from '../../src/server/demo-streams.js';
import type { ControlMessage } from '../../src/server/protocol.js';
import { startViewerServer, type ViewerServer, type ViewerServerOptions } from '../../src/server/server.js';
import { connectClient, connectStalledClient, type TestClient } from './clients.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(
  options: Partial<ViewerServerOptions> = {},
  demo: DemoStreams = demoStreams({ fps: 200 }),
): Promise<{ server: ViewerServer; demo: DemoStreams; wsUrl: string }> {
  cleanups.push(() => demo.stop());
  const server = await startViewerServer({ streams: demo.streams, port: 0, displayHz: Infinity, ...options });
  cleanups.push(() => server.close());
  return { server, demo, wsUrl: `ws://127.0.0.1:${server.port}/ws` };
}

async function client(url: string, options = {}): Promise<TestClient> {
  const c = await connectClient(url, options);
  cleanups.push(() => c.close());
  await c.next('hello', 0);
  return c;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('viewer server', () => {
  it('greets with a versioned hello, then sends the scene and binary frames of the shown episode', async () => {
    const { wsUrl, demo } = await serve();
    const page = await client(wsUrl);
    const hello = page.ofType('hello')[0]!;
    expect(hello.version).toBe(1);
    expect(hello.runs).toEqual([demo.streams.info]);
    expect((hello.envs as { id: string }[]).map((e) => e.id)).toContain('ball-nav');
    page.send({ type: 'subscribe', streams: ['frames'] });
    const scene = await page.next('scene', 0);
    expect(scene.runId).toBe('demo');
    expect((scene.scene as { bodies: { shapes: { type: string }[] }[] }).bodies[0]!.shapes[0]!.type).toBe(
      'sphere',
    );
    await page.until(() => page.frames.length >= 5, 5000, '5 frames');
    const [first, second] = page.frames;
    expect(first!.poses).toHaveLength(7);
    expect(first!.episode).toBe(scene.episode);
    expect(second!.step).toBeGreaterThan(first!.step);
    expect(Number.isFinite(second!.episodeReturn)).toBe(true);
  });

  it('answers bad JSON, an unknown type and wrong field types with named errors and keeps the socket open', async () => {
    const { wsUrl } = await serve();
    const page = await client(wsUrl);
    const cases: [unknown, string][] = [
      ['{not json', 'message'],
      ['[1, 2]', 'message'],
      [{ type: 'fly' }, 'message.type'],
      [{ type: 'speed', value: 'fast' }, 'speed.value'],
      [{ type: 'speed', value: 100 }, 'speed.value'],
      [{ type: 'subscribe', streams: ['frames', 'gossip'] }, 'subscribe.streams.1'],
      [{ type: 'select', taskIndex: 1.5 }, 'select.taskIndex'],
      [{ type: 'pause', extra: true }, 'pause'],
    ];
    for (const [index, [message, path]] of cases.entries()) {
      page.send(message);
      const error = await page.next('error', index);
      expect(error.path, JSON.stringify(message)).toBe(path);
      expect(error.message).toMatch(/expected .+, got /);
    }
    page.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await page.next('error', cases.length)).expected).toBe('a JSON text message');
    page.send({ type: 'subscribe', streams: ['metrics'] });
    expect((await page.next('state', 0)).streams).toEqual(['metrics']);
    expect(page.closeCode).toBeNull();
  });

  it('closes a connection that sends more than maxPayload with 1009 and keeps serving others', async () => {
    const { wsUrl } = await serve({ maxPayload: 1024 });
    const greedy = await client(wsUrl);
    const other = await client(wsUrl);
    greedy.send({ type: 'task', task: 'x'.repeat(2000) });
    await greedy.until(() => greedy.closeCode !== null, 2000, 'close');
    expect(greedy.closeCode).toBe(1009);
    other.send({ type: 'subscribe', streams: ['frames'] });
    await other.next('scene', 0);
  });

  it('requires the token and a matching Origin when bound beyond loopback', async () => {
    const { server } = await serve({ host: '127.0.0.2' });
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(server.url).toBe(`http://127.0.0.2:${server.port}/?token=${server.token}`);
    const base = `ws://127.0.0.2:${server.port}/ws`;
    await expect(connectClient(base)).rejects.toMatchObject({ status: 401 });
    await expect(connectClient(`${base}?token=wrong-token-123`)).rejects.toMatchObject({ status: 401 });
    await expect(
      connectClient(`${base}?token=${server.token}`, { origin: 'http://evil.example' }),
    ).rejects.toMatchObject({ status: 403 });
    const page = await client(`${base}?token=${server.token}`, { origin: `http://127.0.0.2:${server.port}` });
    expect(page.ofType('hello')).toHaveLength(1);
  });

  it('on loopback refuses requests whose Host is not loopback (DNS rebinding)', async () => {
    const { wsUrl, server } = await serve();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    await expect(
      connectClient(wsUrl, { headers: { Host: `rebind.example:${server.port}` } }),
    ).rejects.toMatchObject({
      status: 403,
    });
  });

  it('on loopback refuses a page of another origin (cross-site WebSocket), accepts its own page', async () => {
    const { wsUrl, server } = await serve();
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`]) {
      await expect(connectClient(wsUrl, { origin }), origin).rejects.toMatchObject({ status: 403 });
    }
    const page = await client(wsUrl, { origin: `http://127.0.0.1:${server.port}` });
    expect(page.ofType('hello')).toHaveLength(1);
    expect(server.stats().connections).toBe(1);
  });

  it('streams frames to 50 concurrent clients from one shared upstream', async () => {
    const { wsUrl, demo, server } = await serve({ displayHz: 30 });
    const pages = await Promise.all(Array.from({ length: 50 }, () => client(wsUrl)));
    for (const page of pages) page.send({ type: 'subscribe', streams: ['frames'] });
    await Promise.all(pages.map((page) => page.until(() => page.frames.length >= 3, 8000, 'frames')));
    expect(demo.stats.displayStarts).toBe(1);
    expect(server.stats()).toMatchObject({ connections: 50, watching: 50 });
  });

  it('produces nothing for display until a page subscribes to frames, and stops when it leaves', async () => {
    const { wsUrl, demo, server } = await serve();
    const page = await client(wsUrl);
    page.send({ type: 'subscribe', streams: ['metrics', 'adaptation'] });
    await page.next('state', 0);
    await sleep(100);
    expect(demo.stats).toMatchObject({ displaySteps: 0, displayStarts: 0 });
    page.send({ type: 'subscribe', streams: ['frames'] });
    await page.until(() => page.frames.length >= 3, 5000, 'frames');
    page.send({ type: 'pause' });
    expect((await page.next('state', 2)).paused).toBe(true);
    await sleep(50);
    const steps = demo.stats.displaySteps;
    await sleep(100);
    expect(demo.stats.displaySteps).toBe(steps);
    expect(server.stats().watching).toBe(0);
  });

  it('sends metrics and adaptation events live and replays them to pages that join later', async () => {
    const { wsUrl, demo } = await serve({}, demoStreams({ innerSteps: 2, metaBatch: 2 }));
    const early = await client(wsUrl);
    early.send({ type: 'subscribe', streams: ['metrics', 'adaptation'] });
    await early.next('state', 0);
    const metrics = await demo.runIteration();
    await early.next('metrics', 0);
    expect(early.ofType('adaptation').map((e) => [e.taskIndex, e.k])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    expect(early.ofType('metrics')[0]).toMatchObject({ iteration: 0, returnBefore: metrics.returnBefore });
    const late = await client(wsUrl);
    late.send({ type: 'subscribe', streams: ['metrics', 'adaptation'] });
    await late.next('metrics', 0);
    await late.until(() => late.ofType('adaptation').length === 6, 2000, '6 adaptation events');
  });

  it('forwards select and speed to onControl and tells every page the new state', async () => {
    const controls: ControlMessage[] = [];
    const { wsUrl } = await serve({ onControl: (message) => controls.push(message) });
    const a = await client(wsUrl);
    const b = await client(wsUrl);
    a.send({ type: 'speed', value: 2 });
    a.send({ type: 'select', taskIndex: 3 });
    const state = await b.next('state', 1);
    expect(state).toMatchObject({ speed: 2, select: { taskIndex: 3 } });
    expect(controls).toEqual([
      { type: 'speed', value: 2 },
      { type: 'select', taskIndex: 3 },
    ]);
  });

  it('validates task messages with the env task schema and hands valid ones to onTask', async () => {
    const tasks: unknown[] = [];
    const { wsUrl } = await serve({ taskSchema: ballNavTaskSchema, onTask: (task) => tasks.push(task) });
    const page = await client(wsUrl);
    expect(page.ofType('hello')[0]!.acceptsTask).toBe(true);
    const task = {
      goal: { kind: 'position', position: [1, -1] },
      dynamics: { massScale: 1, friction: 9, motorStrength: 1, jointDamping: 1, gravityScale: 1 },
    };
    page.send({ type: 'task', task });
    const error = await page.next('error', 0);
    expect(error).toMatchObject({ path: 'task.dynamics.friction', value: 9 });
    task.dynamics.friction = 0.5;
    page.send({ type: 'task', task });
    expect((await page.next('taskAccepted', 0)).task).toEqual(task);
    expect(tasks).toEqual([task]);
  });

  it('refuses task messages when the server shows live training', async () => {
    const { wsUrl } = await serve();
    const page = await client(wsUrl);
    page.send({ type: 'task', task: {} });
    expect((await page.next('error', 0)).path).toBe('task');
  });
});

describe('viewer server pages', () => {
  it('serves the built page from the same port, with a same-origin CSP, and nothing outside its directory', async () => {
    const staticDir = mkdtempSync(join(tmpdir(), 'terrarium-page-'));
    cleanups.push(() => rmSync(staticDir, { recursive: true, force: true }));
    writeFileSync(
      join(staticDir, 'index.html'),
      '<!doctype html><script type="module" src="main.js"></script>',
    );
    writeFileSync(join(staticDir, 'main.js'), 'export {};');
    const { server } = await serve({ staticDir });
    const base = `http://127.0.0.1:${server.port}`;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await page.text()).toContain('main.js');
    expect((await fetch(`${base}/main.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${base}/%2e%2e/package.json`)).status).toBe(404);
    expect((await fetch(`${base}/nope.js`)).status).toBe(404);
    await expect(connectClient(`ws://127.0.0.1:${server.port}/elsewhere`)).rejects.toMatchObject({
      status: 404,
    });
  });
});

describe('viewer server under a slow client', () => {
  // Whether the stalled client slows the producer is a wall-clock ratio: `npm run bench -- stalled-client`.
  it('drops pose frames for a client that never reads, keeps serving the others, and bounds its buffer', async () => {
    const demo = demoStreams({ fps: 1000, framesPerTick: 200 });
    const { server, wsUrl } = await serve({ highWaterMark: 64 * 1024, heartbeatMs: 60_000 }, demo);
    const reader = await client(wsUrl);
    reader.send({ type: 'subscribe', streams: ['frames'] });
    await reader.until(() => reader.frames.length > 0, 5000, 'frames');
    const stalled = await connectStalledClient(server.port, [{ type: 'subscribe', streams: ['frames'] }]);
    cleanups.push(() => stalled.destroy());
    await reader.until(
      () => server.stats().framesDropped > 1000,
      15_000,
      'frames dropped for the stalled client',
    );
    for (let i = 0; i < 3; i++) await demo.runIteration();
    const seen = reader.frames.length;
    await sleep(200);
    expect(reader.frames.length).toBeGreaterThan(seen + 100);
    expect(server.stats().maxBufferedAmount).toBeLessThan(4 * 64 * 1024);
  }, 30_000);

  it('heartbeat drops a client that stops answering pings', async () => {
    const { server } = await serve({ heartbeatMs: 100 });
    const stalled = await connectStalledClient(server.port, []);
    cleanups.push(() => stalled.destroy());
    expect(server.stats().connections).toBe(1);
    await sleep(400);
    expect(server.stats().connections).toBe(0);
  });
});
