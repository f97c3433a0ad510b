import type { z } from 'zod';
import { TerrariumError } from '../core/errors.js';
import { BallNavEnv, ballNavTaskDistribution, ballNavTaskSchema, defaultBallNavTask } from './ball-nav.js';
import type { Env } from './env.js';
import { initRapier } from './rapier.js';
import type { TaskDistribution } from './task.js';
import { TimeLimit } from './time-limit.js';
import { VectorEnv } from './vector-env.js';

export interface MakeEnvOptions {
  task?: unknown;
  /** Time limit in steps (default: the env's own). */
  maxEpisodeSteps?: number;
  /** Path of a robot spec JSON replacing the shipped robot (legged envs only). */
  robot?: string;
}

/** One row of the environment table, and how to build that env. */
export interface EnvEntry {
  id: string;
  description: string;
  obsDim: number;
  actDim: number;
  maxEpisodeSteps: number;
  taskParams: string[];
  terrains: string[];
  taskSchema: z.ZodType;
  defaultTask(): unknown;
  distribution(): TaskDistribution<unknown>;
  create(task: unknown, options: MakeEnvOptions): Env<unknown>;
}

const entries: EnvEntry[] = [
  {
    id: 'ball-nav',
    description: 'ball pushed by a 2D force to an unseen goal',
    obsDim: 4,
    actDim: 2,
    maxEpisodeSteps: 100,
    taskParams: ['goal.position', 'dynamics.massScale', 'dynamics.friction'],
    terrains: ['flat'],
    taskSchema: ballNavTaskSchema,
    defaultTask: defaultBallNavTask,
    distribution: () => ballNavTaskDistribution() as TaskDistribution<unknown>,
    create: (task) => new BallNavEnv(task as never) as Env<unknown>,
  },
];

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
  return new TimeLimit(env, options.maxEpisodeSteps ?? entry.maxEpisodeSteps);
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
