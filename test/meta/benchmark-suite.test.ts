import { describe, expect, it } from 'vitest';
import { readConfigFile } from '../../src/cli/train-command.js';
import type { LeggedTask } from '../../src/envs/legged-env.js';
import { envEntry } from '../../src/envs/registry.js';
import type { TaskDistribution } from '../../src/envs/task.js';
import type { RlTrainConfig } from '../../src/meta/config.js';

/** A shipped suite's config, loaded as `terrarium train --config` loads it. */
const load = async (path: string) => (await readConfigFile(`configs/${path}`)) as RlTrainConfig;

/** The held-out pools of a shipped suite's meta.json. */
async function suite(name: string) {
  const config = await load(`${name}/meta.json`);
  const dist = envEntry(config.env).distribution(config.tasks) as TaskDistribution<LeggedTask>;
  return { config, test: dist.testTasks(100), harder: dist.harderTasks(dist.harderSize), dist };
}

const inRange = (v: number, [low, high]: [number, number]) => v >= low && v <= high;
const forward = (tasks: LeggedTask[]) =>
  tasks.every((t) => t.goal.kind === 'direction' && t.goal.direction[0] === 1 && t.goal.direction[1] === 0);

describe('the shipped benchmark suites draw the issue-26 ranges', () => {
  it('ant-terrain: slope within 0.3 rad, steps up to 0.15 m, rough up to 0.3 m, along +x; harder beyond each', async () => {
    const { test, harder } = await suite('ant-terrain');
    expect(harder.length).toBe(100);
    for (const tasks of [test, harder]) {
      expect(forward(tasks)).toBe(true);
      expect(new Set(tasks.map((t) => t.terrain.kind))).toEqual(new Set(['slope', 'stairs', 'rough']));
      expect(tasks.every((t) => t.dynamics.massScale === 1 && t.dynamics.friction === 1)).toBe(true);
    }
    const check = (
      tasks: LeggedTask[],
      slope: [number, number],
      step: [number, number],
      rough: [number, number],
    ) =>
      tasks.every((t) => {
        const terrain = t.terrain;
        if (terrain.kind === 'slope') return inRange(Math.abs(terrain.angle), slope);
        if (terrain.kind === 'stairs') return inRange(terrain.stepHeight, step);
        if (terrain.kind === 'rough') return inRange(terrain.amplitude, rough);
        return false;
      });
    expect(check(test, [0, 0.3], [0, 0.15], [0, 0.3])).toBe(true);
    // Strictly beyond the training ranges (a uniform draw never lands on an end).
    expect(check(harder, [0.3 + 1e-9, 0.35], [0.15 + 1e-9, 0.2], [0.3 + 1e-9, 0.4])).toBe(true);
  });

  it.each(['ant-dynamics', 'cheetah-dynamics'])(
    '%s: friction 0.2-1.5, mass x0.5-2, motors 0.4-1.2 and crippled legs; harder beyond one of them a task',
    async (name) => {
      const { test, harder, config } = await suite(name);
      const legs = config.env === 'ant' ? 4 : 2;
      for (const tasks of [test, harder]) {
        expect(forward(tasks)).toBe(true);
        expect(tasks.every((t) => t.terrain.kind === 'flat')).toBe(true);
        const crippled = tasks.filter((t) => t.dynamics.crippledLeg !== null);
        expect(crippled.length).toBeGreaterThan(5);
        expect(crippled.every((t) => t.dynamics.crippledLeg! < legs)).toBe(true);
      }
      const within = (tasks: LeggedTask[], f: [number, number], m: [number, number], s: [number, number]) =>
        tasks.every(
          ({ dynamics: d }) =>
            inRange(d.friction, f) && inRange(d.massScale, m) && inRange(d.motorStrength, s),
        );
      expect(within(test, [0.2, 1.5], [0.5, 2], [0.4, 1.2])).toBe(true);
      // Each harder task takes exactly one of the three beyond its training range (harderPick "one"), each alike.
      const beyond = harder.map(({ dynamics: d }) =>
        [
          inRange(d.friction, [0.1, 0.2 - 1e-9]) && 'friction',
          inRange(d.massScale, [2 + 1e-9, 2.5]) && 'massScale',
          inRange(d.motorStrength, [0.3, 0.4 - 1e-9]) && 'motorStrength',
        ].filter(Boolean),
      );
      expect(beyond.every((fields) => fields.length === 1)).toBe(true);
      expect(within(harder, [0.1, 1.5], [0.5, 2.5], [0.3, 1.2])).toBe(true);
      for (const field of ['friction', 'massScale', 'motorStrength']) {
        expect(beyond.filter(([f]) => f === field).length, field).toBeGreaterThan(20);
      }
    },
  );

  it("each suite's oracle and domain-randomization baseline train on the meta-run's tasks", async () => {
    for (const name of ['ant-terrain', 'ant-dynamics', 'cheetah-dynamics']) {
      const meta = await load(`${name}/meta.json`);
      for (const baseline of ['oracle', 'pretrain']) {
        const config = await load(`${name}/${baseline}.json`);
        expect(config.tasks, `${name}/${baseline}`).toEqual(meta.tasks);
        expect(config).toMatchObject({ env: meta.env, reward: 'maml', observeTask: baseline === 'oracle' });
      }
    }
  });
});
