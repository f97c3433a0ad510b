import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import type { Env } from '../../src/envs/env.js';
import { makeEnv } from '../../src/envs/registry.js';
import { boxSize } from '../../src/envs/spaces.js';
import { SideBySideEnv } from '../../src/meta/side-by-side-env.js';

const TASK = {
  goal: { kind: 'direction', direction: [1, 0] },
  dynamics: { massScale: 1, friction: 0.8, motorStrength: 1, jointDamping: 1, gravityScale: 1 },
  terrain: { kind: 'stairs', stepHeight: 0.08, stepWidth: 0.6 },
};

async function copies(n: number): Promise<Env<unknown>[]> {
  return Promise.all(Array.from({ length: n }, () => makeEnv('ant', { maxEpisodeSteps: 30 })));
}

describe('side-by-side display env', () => {
  it('each robot moves exactly as the env alone would under its own actions, on the same task and seed', async () => {
    const sideBySide = new SideBySideEnv(await copies(3));
    const alone = await copies(3);
    try {
      sideBySide.setTask(TASK);
      sideBySide.setActive(3);
      const obsDim = boxSize(sideBySide.observationSpace);
      const actDim = boxSize(sideBySide.actionSpace);
      const first = sideBySide.reset({ seed: 7 });
      expect(first.obs.length).toBe(3 * obsDim);
      for (const env of alone) env.reset({ seed: 7, task: TASK });
      const rng = new Rng(1);
      for (let t = 0; t < 20; t++) {
        // Robot i gets its own actions (scaled by i: the meta-init and its adaptations act differently).
        const actions = Float32Array.from(
          { length: 3 * actDim },
          (_, j) => Math.floor(j / actDim) * rng.uniform(-1, 1),
        );
        const together = sideBySide.step(actions);
        const poses = sideBySide.poses();
        const per = poses.length / 3;
        alone.forEach((env, i) => {
          const result = env.step(actions.subarray(i * actDim, (i + 1) * actDim));
          expect(Array.from(together.obs.subarray(i * obsDim, (i + 1) * obsDim))).toEqual(
            Array.from(result.obs),
          );
          expect(Array.from(poses.subarray(i * per, (i + 1) * per))).toEqual(Array.from(env.poses()));
        });
      }
      // One scene: the first robot's terrain, every robot's bodies.
      const scene = sideBySide.describeScene();
      expect(scene.bodies.length).toBe(3 * alone[0]!.describeScene().bodies.length);
      expect(scene.statics).toEqual(alone[0]!.describeScene().statics);
    } finally {
      sideBySide.close();
      for (const env of alone) env.close();
    }
  });

  it('ends the episode when every robot is done, and shows fewer robots when told', async () => {
    const sideBySide = new SideBySideEnv(await copies(2));
    try {
      sideBySide.setTask(TASK);
      sideBySide.setActive(2);
      sideBySide.reset({ seed: 1 });
      const actDim = boxSize(sideBySide.actionSpace);
      let steps = 0;
      let result = sideBySide.step(new Float32Array(2 * actDim));
      for (steps = 1; !(result.terminated || result.truncated); steps++)
        result = sideBySide.step(new Float32Array(2 * actDim));
      expect(steps).toBe(sideBySide.maxEpisodeSteps);
      expect(result.truncated).toBe(true);
      // Fewer robots next episode: the observation and poses shrink to them.
      sideBySide.setActive(1);
      expect(sideBySide.reset({ seed: 1 }).obs.length).toBe(boxSize(sideBySide.observationSpace));
    } finally {
      sideBySide.close();
    }
  });
});
