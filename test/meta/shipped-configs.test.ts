import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRunDir, readConfigFile } from '../../src/cli/train-command.js';
import { TerrariumError } from '../../src/core/errors.js';
import type { RlTrainConfig, TrainConfig } from '../../src/meta/config.js';
import { tempDir } from './helpers.js';

/** Every *.json under `root`, at any depth, relative to it. */
function jsonFiles(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).filter((name) => name.endsWith('.json')).sort();
}

/** Loads every config under `root` as `terrarium train --config` does; `path: message` for each one refused. */
async function refusedConfigs(root: string): Promise<string[]> {
  const refused: string[] = [];
  for (const name of jsonFiles(root)) {
    try {
      await readConfigFile(join(root, name));
    } catch (error) {
      if (!(error instanceof TerrariumError)) throw error;
      refused.push(`${name}: ${error.message}`);
    }
  }
  return refused;
}

const experiments = readdirSync('configs', { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const load = (path: string): Promise<TrainConfig> => readConfigFile(join('configs', path));

describe('shipped configs', () => {
  it('every config under configs/ loads with the parser `terrarium train --config` uses', async () => {
    expect(jsonFiles('configs').length).toBeGreaterThan(40);
    expect(await refusedConfigs('configs')).toEqual([]);
  });

  it('a broken config among them is reported by its path and field', async () => {
    const copy = join(tempDir(), 'configs');
    cpSync('configs', copy, { recursive: true });
    const path = join(copy, 'ball-nav', 'ablations', 'reptile.json');
    const broken = JSON.parse(readFileSync(path, 'utf8'));
    broken.inner.steps = -3;
    writeFileSync(path, JSON.stringify(broken));
    writeFileSync(join(copy, 'sine', 'truncated.json'), '{"env": "sine",');
    const refused = await refusedConfigs(copy);
    expect(refused).toHaveLength(2);
    expect(refused[0]).toBe(
      `${join('ball-nav', 'ablations', 'reptile.json')}: inner.steps: expected an integer in [1, 100000], got -3`,
    );
    expect(refused[1]).toMatch(/^sine.truncated\.json: --config: expected valid JSON/);
  });

  it('configs are grouped by experiment: meta.json, its baselines, ablations/; only the demo stays outside', async () => {
    expect(jsonFiles('configs').filter((name) => !name.includes('/'))).toEqual(['demo.json']);
    expect(experiments.sort()).toEqual([
      'ant-dir',
      'ant-dynamics',
      'ant-terrain',
      'ant-vel',
      'ball-nav',
      'cheetah-dir',
      'cheetah-dynamics',
      'cheetah-vel',
      'sine',
    ]);
    for (const experiment of experiments) {
      const top = jsonFiles(join('configs', experiment)).filter((name) => !name.startsWith('ablations/'));
      expect(top, experiment).toContain('meta.json');
      for (const name of top)
        expect(['meta.json', 'pretrain.json', 'oracle.json'], experiment).toContain(name);
    }
  });

  it("each experiment's configs train its env; its oracle observes the task, its baselines are pretrain runs", async () => {
    for (const experiment of experiments) {
      for (const name of jsonFiles(join('configs', experiment))) {
        const config = await load(join(experiment, name));
        expect(experiment.startsWith(config.env), `${experiment}/${name}`).toBe(true);
        if (name === 'oracle.json' || name === 'pretrain.json') expect(config.algo).toBe('pretrain');
        if (name === 'oracle.json') expect(config).toMatchObject({ observeTask: true });
        if (name === 'meta.json') expect(config.algo).not.toBe('pretrain');
      }
    }
  });

  it("the benchmark suites' baselines are the meta-run's recipe minus the meta-learning, on its env steps", async () => {
    for (const suite of ['ant-terrain', 'ant-dynamics', 'cheetah-dynamics']) {
      const meta = (await load(join(suite, 'meta.json'))) as RlTrainConfig;
      const { contextDim, ...policy } = meta.policy;
      expect(contextDim, suite).toBeGreaterThan(0);
      const metaUpdates = meta.inner.steps + meta.inner.weights!.updates;
      for (const name of ['pretrain.json', 'oracle.json']) {
        const baseline = (await load(join(suite, name))) as RlTrainConfig;
        const where = `${suite}/${name}`;
        expect(baseline, where).toMatchObject({
          env: meta.env,
          reward: meta.reward,
          tasks: meta.tasks,
          iterations: meta.iterations,
          metaBatchSize: meta.metaBatchSize,
          pretrainMode: 'pooled',
          observeTask: name === 'oracle.json',
          policy: { ...policy, contextDim: 0 },
        });
        expect(baseline.inner.learner, where).toEqual(meta.inner.weights!.learner);
        // The same episodes a task and iteration: the meta-run's context step and weight updates, all weight updates.
        expect(baseline.inner.steps * baseline.inner.episodesPerUpdate, where).toBe(
          metaUpdates * meta.inner.episodesPerUpdate,
        );
      }
    }
  });

  it('every config the README and docs/ name exists', () => {
    const pages = [
      'README.md',
      ...readdirSync('docs')
        .filter((name) => name.endsWith('.md'))
        .map((name) => join('docs', name)),
    ];
    const named = pages.flatMap((page) =>
      [...readFileSync(page, 'utf8').matchAll(/configs\/[a-z0-9./-]+\.json/g)].map(
        (match) => `${page}: ${match[0]}`,
      ),
    );
    expect(named.length).toBeGreaterThan(50);
    expect(named.filter((entry) => !existsSync(entry.split(': ')[1]!))).toEqual([]);
  });

  it('a run started without --out is named after its experiment and config', () => {
    expect(defaultRunDir('configs/ball-nav/meta.json')).toMatch(/^runs\/ball-nav-meta-\d{8}-\d{6}$/);
    expect(defaultRunDir('configs/ball-nav/ablations/reptile.json')).toMatch(
      /^runs\/ball-nav-reptile-\d{8}-/,
    );
    expect(defaultRunDir('configs/demo.json')).toMatch(/^runs\/demo-\d{8}-/);
    expect(defaultRunDir('/home/me/my-run.json')).toMatch(/^runs\/my-run-\d{8}-/);
  });
});
