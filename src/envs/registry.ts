import type { z } from 'zod';
import { parseWith, TerrariumError } from '../core/errors.js';
import { createAnt, defaultAntTask } from './ant.js';
import { BallNavEnv, ballNavTaskDistribution, ballNavTaskSchema, defaultBallNavTask } from './ball-nav.js';
import { createCheetah, defaultCheetahTask } from './cheetah.js';
import { ContextInput } from './context-input.js';
import type { Env } from './env.js';
import { type LeggedTask, leggedTaskSchema } from './legged-env.js';
import { leggedTaskDistribution } from './legged-tasks.js';
import { initRapier } from './rapier.js';
import { type RewardPreset, rewardPresetSchema } from './reward-presets.js';
import { actionRanges, observationSize, type RobotSpec, shippedRobot } from './robot-spec.js';
import type { TaskDistribution } from './task.js';
import { TaskObservation } from './task-features.js';
import { taskFieldPaths } from './task-fields.js';
import { TimeLimit } from './time-limit.js';
import { VectorEnv } from './vector-env.js';

export interface MakeEnvOptions {
  task?: unknown;
  /** Time limit in steps (default: the env's own). */
  maxEpisodeSteps?: number;
  /** A robot spec replacing the shipped robot (legged envs only; `loadRobotFile` reads one from a file). */
  robot?: RobotSpec;
  /** Reward preset of a legged env (reward-presets.ts; default "maml"). */
  reward?: RewardPreset;
  /** Append the task's parameters to the observation (the oracle baseline). */
  observeTask?: boolean;
  /** Append this many numbers set by the agent (`ContextInput.setContext`, zeros until set) after everything else. */
  contextDim?: number;
}

/** One row of the environment table, and how to build that env. */
export interface EnvEntry {
  id: string;
  description: string;
  obsDim: number;
  actDim: number;
  maxEpisodeSteps: number;
  /** The task's field paths that the env uses (`goal.position`, `dynamics.friction`, ...), from its schema. */
  taskParams: string[];
  terrains: string[];
  taskSchema: z.ZodType;
  /** The env takes a reward preset (`makeEnv({ reward })`, reward-presets.ts). */
  rewardPresets?: boolean;
  /** The shipped robot of a legged env (any robot spec may replace it); absent: the env takes no robot. */
  robot?: 'cheetah' | 'ant';
  defaultTask(): unknown;
  /**
   * The env's task distribution; `options` (e.g. a train config's `tasks` field) override its ranges; `robot` (a
   * legged env's robot, default the shipped one) names the bodies whose masses it scales.
   */
  distribution(options?: unknown, robot?: RobotSpec): TaskDistribution<unknown>;
  create(task: unknown, options: MakeEnvOptions): Env<unknown>;
}

const entries: EnvEntry[] = [
  {
    id: 'ball-nav',
    description: 'ball pushed by a 2D force to an unseen goal',
    obsDim: 4,
    actDim: 2,
    maxEpisodeSteps: 100,
    // The ball has no joints or named bodies.
    taskParams: taskFieldPaths(ballNavTaskSchema, ['dynamics.jointDamping', 'dynamics.bodyMassScale']),
    terrains: ['flat'],
    taskSchema: ballNavTaskSchema,
    defaultTask: defaultBallNavTask,
    distribution: (options) => ballNavTaskDistribution(options) as TaskDistribution<unknown>,
    create: (task, options) => {
      if (options.reward !== undefined)
        throw new TerrariumError(
          'reward',
          options.reward,
          'unset for ball-nav (one reward; presets are for legged envs)',
        );
      if (options.robot !== undefined)
        throw new TerrariumError('robot', options.robot.name, 'unset for ball-nav (it has no robot spec)');
      return new BallNavEnv(task as never) as Env<unknown>;
    },
  },
  leggedEntry('cheetah', {
    description: 'planar half-cheetah runner, 6 motors',
    obsDim: 17,
    actDim: 6,
    goal: 'velocity',
    defaultTask: defaultCheetahTask,
    create: createCheetah,
  }),
  leggedEntry('ant', {
    description: 'quadruped with the Gymnasium Ant morphology, 8 motors',
    obsDim: 27,
    actDim: 8,
    goal: 'direction',
    defaultTask: defaultAntTask,
    create: createAnt,
  }),
];

/** The row of a legged env: its shipped robot, with every terrain and the reward presets, 200 steps an episode. */
function leggedEntry(
  robot: 'cheetah' | 'ant',
  row: {
    description: string;
    obsDim: number;
    actDim: number;
    /** The goal kind of its default task distribution. */
    goal: 'velocity' | 'direction';
    defaultTask: () => LeggedTask;
    create: (task: LeggedTask, spec: RobotSpec, options: { reward?: RewardPreset }) => Env<LeggedTask>;
  },
): EnvEntry {
  return {
    id: robot,
    description: row.description,
    obsDim: row.obsDim,
    actDim: row.actDim,
    maxEpisodeSteps: 200,
    taskParams: taskFieldPaths(leggedTaskSchema),
    terrains: ['flat', 'slope', 'stairs', 'rough'],
    taskSchema: leggedTaskSchema,
    rewardPresets: true,
    robot,
    defaultTask: row.defaultTask,
    distribution: (options, spec) =>
      leggedTaskDistribution(
        robot,
        spec ?? shippedRobot(robot),
        { goal: row.goal },
        options,
      ) as TaskDistribution<unknown>,
    create: (task, options) =>
      row.create(
        task as LeggedTask,
        options.robot ?? shippedRobot(robot),
        leggedOptions(options),
      ) as Env<unknown>,
  };
}

function leggedOptions(options: MakeEnvOptions): { reward?: RewardPreset } {
  return options.reward === undefined
    ? {}
    : { reward: parseWith(rewardPresetSchema, options.reward, 'reward') };
}

/** Observation and action sizes of env `id` with `robot` (a legged env's; default its shipped robot). */
export function envDims(id: string, robot?: RobotSpec): { obsDim: number; actDim: number } {
  const entry = envEntry(id);
  if (!robot || !entry.robot) return { obsDim: entry.obsDim, actDim: entry.actDim };
  return { obsDim: observationSize(robot), actDim: actionRanges(robot).length };
}

/** The error for a robot (`field`: `value`) given to env `id`, which takes none: it names the envs that do. */
export function robotRefused(id: string, field: string, value: string): TerrariumError {
  const legged = entries.filter((e) => e.robot).map((e) => e.id);
  return new TerrariumError(
    field,
    value,
    `unset for ${id} (a robot replaces a legged env's: ${legged.join(', ')})`,
  );
}

export function registerEnv(entry: EnvEntry): void {
  const index = entries.findIndex((e) => e.id === entry.id);
  if (index >= 0) entries[index] = entry;
  else entries.push(entry);
}

export function listEnvs(): readonly EnvEntry[] {
  return entries;
}

export function envEntry(id: string): EnvEntry {
  const entry = entries.find((e) => e.id === id);
  if (!entry) throw new TerrariumError('env', id, `a known env id (${entries.map((e) => e.id).join(', ')})`);
  return entry;
}

/** Builds env `id` with its time limit; loads Rapier on first use. */
export async function makeEnv(id: string, options: MakeEnvOptions = {}): Promise<Env<unknown>> {
  const entry = envEntry(id);
  await initRapier();
  const env = entry.create(options.task ?? entry.defaultTask(), options);
  const limited = new TimeLimit(env, options.maxEpisodeSteps ?? entry.maxEpisodeSteps);
  const observed = options.observeTask ? new TaskObservation(limited) : limited;
  return options.contextDim ? new ContextInput(observed, options.contextDim) : observed;
}

/** `num` copies of env `id`, each with `options.task` (or the default task) until `setTasks`. */
export async function makeVectorEnv(
  id: string,
  num: number,
  options: MakeEnvOptions = {},
): Promise<VectorEnv<unknown>> {
  if (!Number.isInteger(num) || num < 1) throw new TerrariumError('num', num, 'an integer >= 1');
  const envs: Env<unknown>[] = [];
  for (let i = 0; i < num; i++) envs.push(await makeEnv(id, options));
  return new VectorEnv(envs);
}
