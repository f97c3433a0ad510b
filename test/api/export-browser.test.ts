import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GaussianPolicy } from '../../src/agents/policy.js';
import { loadPolicy } from '../../src/meta/run-policy.js';
import { CHROMIUM_PATH, type Chromium, hasChromium, launchChromium } from '../server/chromium.js';
import { type Exports, makeExports, maxAbsDiff, observations } from './exported-run.js';

const missing = `${CHROMIUM_PATH} not found (apt-get install -y chromium; CI installs it)`;
if (!hasChromium && !process.env.CI) console.warn(`export browser test skipped: ${missing}`);
it.runIf(!hasChromium && process.env.CI)('chromium is installed (CI)', () => {
  expect.fail(`the export browser test cannot run: ${missing}`);
});

const TFJS_CDN = 'https://cdn.jsdelivr.net/npm/@tensorflow/tfjs@4.22.0/dist/tf.min.js';

/** examples/browser.html at /, an exported model at /model/ (plain static files, as any web server would serve). */
function serve(modelDir: string): Promise<Server> {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const file =
      path === '/'
        ? 'examples/browser.html'
        : path.startsWith('/model/')
          ? join(modelDir, path.slice(7))
          : null;
    try {
      if (!file || file.includes('..')) throw new Error('not found');
      const body = await readFile(file);
      const type = file.endsWith('.html')
        ? 'text/html'
        : file.endsWith('.json')
          ? 'application/json'
          : 'application/octet-stream';
      response.writeHead(200, { 'content-type': type }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!hasChromium)('an exported policy in Chromium', () => {
  let e: Exports;
  let rows: number[][];
  let policy: GaussianPolicy;
  let server: Server;
  let browser: Chromium;

  beforeAll(async () => {
    [e, rows] = await Promise.all([makeExports(true), observations()]);
    policy = await loadPolicy(e.run);
    server = await serve(e.metaInit);
    browser = await launchChromium({ width: 640, height: 400 });
    // The page loads tfjs from its CDN; the test serves the same file from node_modules (no network here).
    const tfjs = await readFile('node_modules/@tensorflow/tfjs/dist/tf.min.js');
    await browser.context.route(TFJS_CDN, (route) =>
      route.fulfill({ body: tfjs, contentType: 'text/javascript' }),
    );
  }, 120_000);
  afterAll(async () => {
    policy?.dispose();
    if (e) await rm(e.dir, { recursive: true, force: true });
    await browser?.close();
    await new Promise((done) => server?.close(done));
  });

  for (const backend of ['cpu', 'webgl']) {
    it(`examples/browser.html loads model.json over HTTP and its actions equal Terrarium's to 1e-5 (${backend})`, async () => {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      const { port } = server.address() as AddressInfo;
      await page.goto(`http://127.0.0.1:${port}/?backend=${backend}`);
      await page.waitForFunction(() => 'policy' in window, undefined, { timeout: 30_000 });
      const result = await page.evaluate((obs) => {
        const { policy } = window as unknown as {
          policy: { backend: string; act(rows: number[][]): number[][]; logStd: number[] };
        };
        return { backend: policy.backend, actions: policy.act(obs) };
      }, rows);
      expect(errors).toEqual([]);
      expect(result.backend).toBe(backend);
      const expected = policy.meanActions(Float32Array.from(rows.flat()));
      const diff = maxAbsDiff(result.actions.flat(), expected);
      console.log(`chromium ${backend}: max |action - Terrarium's| = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-5);
      expect(await page.textContent('#out')).toMatch(/^obs 4 -> act 2 on /);
      await page.close();
    });
  }
});
