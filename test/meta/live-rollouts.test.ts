import { readFileSync } from 'node:fs';
import { BehaviorSubject, firstValueFrom, take, toArray } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import type { LeggedTask } from '../../src/envs/legged-env.js';
import { envEntry, makeEnv } from '../../src/envs/registry.js';
import type { FrameEvent, SceneEvent } from '../../src/meta/events.js';
import { liveRollouts } from '../../src/meta/live-rollouts.js';
import { steeringPolicy } from '../agents/helpers.js';

const policyConfig = { hiddenSizes: [8], activation: 'relu' as const, valueFunction: false };

function setup(speed = 1) {
  const policy = GaussianPolicy.create(policyConfig, 4, 2, 0);
  const params = policy.getParams();
  const obsNorm = policy.getObsNorm();
  policy.dispose();
  const task = envEntry('ball-nav').distribution().sampleTrain(1, 3)[0];
  const calls = { getTask: 0 };
  const live = liveRollouts({
    runId: 'test',
    run: { env: 'ball-nav', policy: policyConfig, maxEpisodeSteps: 5 },
    speed$: new BehaviorSubject(speed),
    getTask: () => {
      calls.getTask++;
      return { task, taskIndex: 0, k: 0 };
    },
    getParams: () => ({ params, obsNorm }),
  });
  return { live, calls, task };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('live rollouts', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('simulate nothing until someone subscribes', async () => {
    const { calls } = setup();
    await sleep(200);
    expect(calls.getTask).toBe(0);
  });

  it('emit a scene per episode, then one frame per step, paced to real time', async () => {
    const { live, task } = setup(1);
    const scenePromise = firstValueFrom(live.scenes$);
    const started = performance.now();
    const frames = await firstValueFrom(live.frames$.pipe(take(5), toArray()));
    const elapsed = performance.now() - started;
    const scene: SceneEvent = await scenePromise;
    expect(scene.scene.env).toBe('ball-nav');
    expect(scene.scene.task).toEqual(task);
    expect(frames.map((f: FrameEvent) => f.step)).toEqual([0, 1, 2, 3, 4]);
    expect(frames[0]!.poses).toHaveLength(7);
    expect(frames[4]!.episodeReturn).toBeCloseTo(
      frames.reduce((s, f) => s + f.reward, 0),
      5,
    );
    // 5 steps of 0.05 s at speed 1: at least 4 waits between them.
    expect(elapsed).toBeGreaterThan(180);
  });

  it('start a new episode (new scene) after the time limit, and stop when the last subscriber leaves', async () => {
    const { live, calls } = setup(50);
    const events: (SceneEvent | FrameEvent)[] = [];
    const a = live.scenes$.subscribe((e) => events.push(e));
    const b = live.frames$.subscribe((e) => events.push(e));
    while (calls.getTask < 3) await sleep(10);
    a.unsubscribe();
    b.unsubscribe();
    const scenes = events.filter((e) => 'scene' in e) as SceneEvent[];
    expect(scenes.map((s) => s.episode).slice(0, 2)).toEqual([0, 1]);
    const episode0 = events.filter((e) => 'poses' in e && e.episode === 0);
    expect(episode0).toHaveLength(5);
    const count = events.length;
    const taskCalls = calls.getTask;
    await sleep(150);
    expect(events.length).toBe(count);
    expect(calls.getTask).toBe(taskCalls);
  });

  it('show a context policy at the context it was given (the adapted one), zeros without', async () => {
    const policy = steeringPolicy();
    const config = policy.config;
    const params = policy.getParams();
    policy.dispose();
    const task = envEntry('ball-nav').distribution().sampleTrain(1, 3)[0];
    const xAfter = async (context: Float32Array | null) => {
      const live = liveRollouts({
        runId: 'test',
        run: { env: 'ball-nav', policy: config, maxEpisodeSteps: 20 },
        speed$: new BehaviorSubject(100),
        getTask: () => ({ task, taskIndex: 0, k: 1 }),
        getParams: () => ({ params, obsNorm: null, context }),
      });
      const frames = await firstValueFrom(live.frames$.pipe(take(10), toArray()));
      return frames[9]!.poses[0]! - frames[0]!.poses[0]!;
    };
    expect(await xAfter(new Float32Array([3, 0]))).toBeGreaterThan(0.05);
    expect(await xAfter(new Float32Array([-3, 0]))).toBeLessThan(-0.05);
    expect(Math.abs(await xAfter(null))).toBeLessThan(0.05);
  });

  it("show an oracle's episode of a crippled-leg task on an env built for that task", async () => {
    const oracle = JSON.parse(readFileSync('configs/ant-dynamics/oracle.json', 'utf8'));
    const tasks = envEntry('ant').distribution(oracle.tasks).sampleTrain(40, 5) as LeggedTask[];
    const task = tasks.find((t) => typeof t.dynamics.crippledLeg === 'number')!;
    const built = await makeEnv('ant', { task, observeTask: true });
    const obsDim = built.observationSpace.shape[0]!;
    built.close();
    const policy = GaussianPolicy.create(policyConfig, obsDim, 8, 0);
    const params = policy.getParams();
    policy.dispose();
    const live = liveRollouts({
      runId: 'oracle',
      run: { env: 'ant', policy: policyConfig, maxEpisodeSteps: 5, observeTask: true },
      speed$: new BehaviorSubject(100),
      getTask: () => ({ task, taskIndex: 0, k: 0 }),
      getParams: () => ({ params, obsNorm: null }),
    });
    const scene = firstValueFrom(live.scenes$);
    const frames = await firstValueFrom(live.frames$.pipe(take(3), toArray()));
    expect((await scene).scene.task).toEqual(task);
    expect(frames.map((f) => f.step)).toEqual([0, 1, 2]);
  });
});
