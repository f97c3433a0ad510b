import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startView } from '../../src/cli/view-command.js';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { connectClient, socketUrl } from './clients.js';

const MODELS = readdirSync('models', { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the trained models in models/', () => {
  it('ships at least ball-nav', () => {
    expect(MODELS).toContain('ball-nav');
  });

  it.each(MODELS)(
    '%s: its checkpoint verifies and its card names the commit, the command and an eval',
    async (name) => {
      const run = await loadLatestCheckpoint(join('models', name));
      expect(run.config.env).toBeTypeOf('string');
      const card = readFileSync(join('models', name, 'README.md'), 'utf8');
      expect(card).toMatch(/commit [0-9a-f]{7}/);
      expect(card).toMatch(/terrarium train --config configs\//);
      expect(card).toMatch(/terrarium eval --run models\//);
    },
  );

  it.each(MODELS)(
    '`terrarium view --run models/%s` shows the trained meta-init at once, no training',
    async (name) => {
      const session = await startView({
        run: join('models', name),
        tasks: 'test',
        count: 2,
        port: 0,
        seed: 0,
        workers: 0,
      });
      cleanups.push(() => session.close());
      const page = await connectClient(socketUrl(session.url));
      cleanups.push(() => page.close());
      await page.next('hello', 0);
      page.send({ type: 'subscribe', streams: ['frames', 'adaptation'] });
      await page.until(() => page.frames.length > 0, 20_000, 'a frame of the trained robot');
    },
    30_000,
  );
});
