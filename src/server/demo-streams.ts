/**
 * TrainingStreams from a real env without any learning: a stand-in for the trainer (tests, the viewer benchmark,
 * screenshots). "Adapting" here is a fixed schedule, not a learner: after k of K inner steps the policy is a blend
 * of a proportional controller towards a position goal (weight k / K) and uniform random actions, so returns rise
 * with k the way an adapting policy's do. Envs without a position goal get random actions only.
 *
 * The display episodes (`scenes$`, `frames$`) run on the trainer's display loop (`meta/display-episodes.ts`): built
 * and stepped only while someone subscribes, paced at `fps` ticks a second of wall time times the playback speed.
 * `runIteration()` is one "meta-iteration": it steps full episodes of every task at every k and publishes adaptation
 * and metrics events.
 */
import { BehaviorSubject, Subject } from 'rxjs';
import { deriveSeed, Rng } from '../core/rng.js';
import { mean } from '../core/summary.js';
import type { Env } from '../envs/env.js';
import { envEntry, makeEnv } from '../envs/registry.js';
import { displayEpisodes } from '../meta/display-episodes.js';
import type { AdaptationEvent, MetricsEvent, TrainingStreams } from '../meta/events.js';
import type { ControlMessage } from './protocol.js';

export interface DemoStreamsOptions {
  env: string;
  runId: string;
  seed: number;
  /** Inner steps K of the fake adaptation schedule. */
  innerSteps: number;
  /** Tasks per meta-iteration. */
  metaBatch: number;
  /** Display frames per second at speed 1 (default: real time, 1 / env.dt). */
  fps?: number;
  /** Env steps (frames) per display tick; > 1 makes a fire hose for backpressure tests. */
  framesPerTick: number;
  /** Publish an iteration every this many ms on a timer (0: only when `runIteration()` is called). */
  iterationMs: number;
  /** Episodes per (task, k) in `runIteration()`; their mean return is the adaptation event's return. */
  episodesPerStep: number;
  /** The task of the display episode (default: drawn from the env's distribution). */
  displayTask?: unknown;
}

export interface DemoStreams {
  streams: TrainingStreams;
  /** Pass as the server's `onControl`: `speed` changes the playback rate, `select` the shown task. */
  control(message: ControlMessage): void;
  /** Steps the display env has taken, and how many times the display was started: the cost of watching. */
  readonly stats: { displaySteps: number; displayStarts: number; iterations: number };
  runIteration(): Promise<MetricsEvent>;
  stop(): void;
}

export function demoStreams(options: Partial<DemoStreamsOptions> = {}): DemoStreams {
  const config: DemoStreamsOptions = {
    env: 'ball-nav',
    runId: 'demo',
    seed: 0,
    innerSteps: 3,
    metaBatch: 2,
    framesPerTick: 1,
    iterationMs: 0,
    episodesPerStep: 1,
    ...options,
  };
  const entry = envEntry(config.env);
  const distribution = entry.distribution();
  const stats = { displaySteps: 0, displayStarts: 0, iterations: 0 };
  const metrics$ = new Subject<MetricsEvent>();
  const adaptation$ = new Subject<AdaptationEvent>();
  let selectedTask = 0;
  const taskAt = (iteration: number, index: number) =>
    distribution.sample(index + 1, deriveSeed(config.seed, iteration))[index]!;

  const speed$ = new BehaviorSubject(1);
  const display = displayEpisodes({
    runId: config.runId,
    run: { env: config.env },
    fps: config.fps,
    framesPerTick: config.framesPerTick,
    speed$,
    actor: () => {
      stats.displayStarts++;
      return {
        episode(episode) {
          const k = episode % (config.innerSteps + 1);
          return {
            task: config.displayTask ?? taskAt(0, selectedTask),
            taskIndex: selectedTask,
            k,
            seed: deriveSeed(config.seed, 7, episode),
            actOn: (env) => {
              const act = blendedPolicy(env, k / config.innerSteps, deriveSeed(config.seed, 11, episode));
              return (obs: Float32Array) => {
                stats.displaySteps++;
                return act(obs);
              };
            },
          };
        },
      };
    },
  });

  let iterationEnv: Env<unknown> | null = null;
  const runIteration = async (): Promise<MetricsEvent> => {
    const started = performance.now();
    iterationEnv ??= await makeEnv(config.env);
    const env = iterationEnv;
    const iteration = stats.iterations++;
    const before: number[] = [];
    const after: number[] = [];
    let envSteps = 0;
    for (let taskIndex = 0; taskIndex < config.metaBatch; taskIndex++) {
      const task = taskAt(iteration, taskIndex);
      env.setTask(task);
      for (let k = 0; k <= config.innerSteps; k++) {
        let total = 0;
        for (let episode = 0; episode < config.episodesPerStep; episode++) {
          const seed = deriveSeed(config.seed, iteration, taskIndex, k, episode);
          let { obs } = env.reset({ seed });
          const act = blendedPolicy(env, k / config.innerSteps, seed);
          for (;;) {
            const result = env.step(act(obs));
            envSteps++;
            total += result.reward / config.episodesPerStep;
            obs = result.obs;
            if (result.terminated || result.truncated) break;
          }
        }
        if (k === 0) before.push(total);
        if (k === config.innerSteps) after.push(total);
        adaptation$.next({ runId: config.runId, iteration, taskIndex, task, k, return: total });
        // Let the display and the server run in between, as they do while a trainer waits for its workers.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const event: MetricsEvent = {
      runId: config.runId,
      iteration,
      returnBefore: mean(before),
      returnAfter: mean(after),
      eps: 1 - iteration / (iteration + 10),
      envSteps,
      wallSeconds: (performance.now() - started) / 1000,
    };
    metrics$.next(event);
    return event;
  };

  let running = true;
  let iterationTimer: NodeJS.Timeout | null = null;
  const schedule = () => {
    if (running && config.iterationMs > 0) {
      iterationTimer = setTimeout(() => runIteration().then(schedule), config.iterationMs);
    }
  };
  schedule();

  return {
    streams: {
      info: {
        runId: config.runId,
        env: config.env,
        algo: 'demo (scripted adaptation)',
        backend: 'none',
        startedAt: new Date().toISOString(),
      },
      metrics$: metrics$.asObservable(),
      adaptation$: adaptation$.asObservable(),
      scenes$: display.scenes$,
      frames$: display.frames$,
    },
    control(message) {
      if (message.type === 'speed') speed$.next(message.value);
      if (message.type === 'select' && message.taskIndex !== undefined) selectedTask = message.taskIndex;
    },
    stats,
    runIteration,
    stop() {
      running = false;
      if (iterationTimer) clearTimeout(iterationTimer);
      metrics$.complete();
      adaptation$.complete();
      iterationEnv?.close();
      iterationEnv = null;
    },
  };
}

/** skill 1: steer to the goal; skill 0: uniform random; in between, a blend. */
function blendedPolicy(env: Env<unknown>, skill: number, seed: number): (obs: Float32Array) => Float32Array {
  const rng = new Rng(seed);
  const { low, high } = env.actionSpace;
  const action = new Float32Array(low.length);
  const goal = env.describeScene().goal;
  const target = goal?.kind === 'position' && action.length === 2 ? goal.position : null;
  return (obs) => {
    for (let i = 0; i < action.length; i++) {
      let value = rng.uniform(low[i]!, high[i]!);
      if (target) {
        // ball-nav: obs = (x, z, vx, vz); a PD push towards (goal.x, goal.z).
        const steer = 1.5 * (target[i === 0 ? 0 : 2] - obs[i]!) - 0.6 * obs[i + 2]!;
        value = skill * steer + (1 - skill) * value;
      }
      action[i] = Math.min(high[i]!, Math.max(low[i]!, value));
    }
    return action;
  };
}
