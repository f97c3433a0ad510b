import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { parseWith, TerrariumError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Env } from '../envs/env.js';
import { completeTask } from '../envs/partial-task.js';
import { envEntry, makeEnv } from '../envs/registry.js';
import { REWARD_PRESETS } from '../envs/reward-presets.js';
import { boxSize } from '../envs/spaces.js';
import { DEFAULT_TERRAIN_RANGES, sampleTerrain } from '../envs/task.js';
import { TERRAIN_KINDS, type TerrainKind } from '../envs/terrain.js';
import { addTaskOptions, intOption, rewardFlag } from './options.js';
import { addRobotOption, checkRunRobotFlag, robotFlag } from './robot-option.js';
import { readTrainTaskRun, type TrainTaskRun } from './train-task-run.js';
import { UsageError } from './usage-error.js';

interface RolloutOptions {
  env: string;
  task?: unknown;
  taskSeed?: number;
  terrain?: string;
  steps?: number;
  seed: number;
  policy: string;
  robot?: string;
  reward?: string;
  json?: boolean;
}

export interface RolloutSummary {
  env: string;
  return: number;
  steps: number;
  terminated: boolean;
  truncated: boolean;
  /** Mean of the steps' `info.speed` (m/s along the commanded direction, or towards the goal); legged envs. */
  meanSpeed?: number;
}

/** A policy for one episode: obs in, action out. */
export type Actor = (obs: Float32Array) => ArrayLike<number>;

/**
 * Resolves the task a rollout runs on from --task (fields over the env's default task, see completeTask),
 * --task-seed and --terrain, and validates it.
 */
export function resolveTask(options: Pick<RolloutOptions, 'env' | 'task' | 'taskSeed' | 'terrain'>): unknown {
  const entry = envEntry(options.env);
  if (options.task !== undefined && options.taskSeed !== undefined) {
    throw new UsageError('--task and --task-seed: give one, not both');
  }
  let task: Record<string, unknown> =
    options.task !== undefined
      ? (completeTask(entry.defaultTask(), options.task, '--task') as Record<string, unknown>)
      : options.taskSeed !== undefined
        ? (entry.distribution().sample(1, options.taskSeed)[0] as Record<string, unknown>)
        : (entry.defaultTask() as Record<string, unknown>);
  if (options.terrain !== undefined) {
    if (!entry.terrains.includes(options.terrain)) {
      throw new TerrariumError(
        '--terrain',
        options.terrain,
        `one of ${entry.terrains.join(', ')} for env ${entry.id}`,
      );
    }
    const ranges = { ...DEFAULT_TERRAIN_RANGES, kinds: [options.terrain as TerrainKind] };
    task = { ...task, terrain: sampleTerrain(new Rng(options.taskSeed ?? 0), ranges) };
  }
  parseWith(entry.taskSchema, task, 'task');
  return task;
}

/** Runs one episode (or `maxSteps` steps) and sums the reward. */
export function runEpisode(
  env: Env<unknown>,
  act: Actor,
  seed: number,
  maxSteps = Number.POSITIVE_INFINITY,
): RolloutSummary {
  let { obs } = env.reset({ seed });
  const summary: RolloutSummary = { env: env.id, return: 0, steps: 0, terminated: false, truncated: false };
  let speedSum = 0;
  let speedSteps = 0;
  while (summary.steps < maxSteps) {
    const result = env.step(act(obs));
    summary.return += result.reward;
    summary.steps++;
    if (typeof result.info.speed === 'number') {
      speedSum += result.info.speed;
      speedSteps++;
    }
    obs = result.obs;
    summary.terminated = result.terminated;
    summary.truncated = result.truncated;
    if (result.terminated || result.truncated) break;
  }
  if (speedSteps > 0) summary.meanSpeed = speedSum / speedSteps;
  return summary;
}

function builtinActor(name: string, env: Env<unknown>, seed: number): Actor {
  const n = boxSize(env.actionSpace);
  if (name === 'zero') return () => new Float32Array(n);
  if (name === 'random') {
    const rng = new Rng(seed + 1);
    const { low, high } = env.actionSpace;
    return () => Float32Array.from({ length: n }, (_, i) => rng.uniform(low[i]!, high[i]!));
  }
  throw new TerrariumError('--policy', name, 'random, zero, or a run, policy or exported model directory');
}

/** The train-task run a saved policy belongs to (`--policy OUT` or `--policy OUT/policy`), or null. */
function savedPolicyRun(policy: string): { dir: string; run: TrainTaskRun } | null {
  if (policy === 'random' || policy === 'zero') return null;
  for (const dir of [policy, dirname(policy)]) {
    if (existsSync(join(dir, 'run.json')) && existsSync(join(dir, 'policy', 'policy.json')))
      return { dir, run: readTrainTaskRun(dir) };
  }
  return null;
}

/** A saved policy runs on the robot it was trained on; `--robot` may only name that one. */
function savedRunRobot(saved: { dir: string; run: TrainTaskRun }, options: RolloutOptions) {
  checkRunRobotFlag(options.robot, saved.run, saved.dir);
  return saved.run.robot;
}

/** random | zero, or a run, policy or exported model directory (loaded with TensorFlow.js on demand). */
async function resolveActor(
  name: string,
  env: Env<unknown>,
  seed: number,
): Promise<{ act: Actor; dispose(): void }> {
  if (name === 'random' || name === 'zero' || !existsSync(name))
    return { act: builtinActor(name, env, seed), dispose() {} };
  const [{ policyActor }, { loadPolicy }, { initBackend }] = await Promise.all([
    import('../agents/actor.js'),
    import('../meta/run-policy.js'),
    import('../agents/backend.js'),
  ]);
  const actor = policyActor(await loadPolicy(name), await initBackend(), {
    obsDim: boxSize(env.observationSpace),
    actDim: boxSize(env.actionSpace),
    seed,
  });
  return { act: (obs) => actor.act(obs), dispose: () => actor.dispose() };
}

export function registerRolloutCommand(program: Command): void {
  addRobotOption(
    addTaskOptions(program.command('rollout').description('run one episode of an env with a simple policy')),
    "robot spec JSON replacing the shipped robot (with a saved policy: the policy's own)",
  )
    .option('--terrain <kind>', `terrain kind (${TERRAIN_KINDS.join(', ')})`)
    .option('--steps <n>', 'time limit in steps (default: the env horizon)', intOption('--steps', 1))
    .option('--seed <n>', 'episode seed', intOption('--seed', 0), 0)
    .option(
      '--policy <name>',
      'random | zero | a run, train-task or policy directory, or an exported model (model.json)',
      'random',
    )
    .option(
      '--reward <preset>',
      `reward preset of a legged env: ${REWARD_PRESETS.join(' | ')} (default maml)`,
    )
    .option('--json', 'print { env, return, steps, terminated, truncated, meanSpeed }')
    .action(async (options: RolloutOptions) => {
      const task = resolveTask(options);
      const saved = savedPolicyRun(options.policy);
      const robot = saved ? savedRunRobot(saved, options) : robotFlag(options.robot, options.env);
      const env = await makeEnv(options.env, {
        task,
        maxEpisodeSteps: options.steps,
        robot,
        reward: rewardFlag(options.reward),
      });
      try {
        const actor = await resolveActor(options.policy, env, options.seed);
        const summary = runEpisode(env, actor.act, options.seed);
        actor.dispose();
        if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else
          process.stdout.write(
            `${summary.env}: return ${summary.return.toFixed(3)} over ${summary.steps} steps` +
              `${summary.meanSpeed === undefined ? '' : `, mean speed ${summary.meanSpeed.toFixed(3)} m/s`}` +
              `${summary.terminated ? ' (terminated)' : summary.truncated ? ' (truncated)' : ''}\n`,
          );
      } finally {
        env.close();
      }
    });
}
