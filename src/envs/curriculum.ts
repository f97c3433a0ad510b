/**
 * A task curriculum in levels (legged_gym's terrain levels, for a meta-batch): every training task has a difficulty
 * in [0, 1] (the distribution says how; legged-difficulty.ts), binned into `levels` equal levels. Each meta-iteration
 * draws its tasks from the current level's band; after it, the meta-batch's score (its mean return after adaptation,
 * or before) moves the level up one when above `promoteAbove`, down one when below `demoteBelow`, within
 * [0, levels - 1]. The level is the only state: the trainer checkpoints it and writes it to metrics.jsonl.
 */
import { z } from 'zod';
import { TerrariumError } from '../core/errors.js';
import { Rng } from '../core/rng.js';

export const curriculumSchema = z
  .object({
    /** Difficulty levels: a task of difficulty d is at level min(floor(d * levels), levels - 1). */
    levels: z.number().int().min(2).max(100),
    /** The meta-batch's score that moves the level up one (strictly above it). */
    promoteAbove: z.number(),
    /** The score that moves it down one (strictly below it); below promoteAbove. */
    demoteBelow: z.number(),
    /**
     * The score: "returnAfter" (the meta-batch's mean return after the inner updates, metrics' `returnAfter`) or
     * "returnBefore" (the meta-init's own, before any update).
     */
    measure: z.enum(['returnAfter', 'returnBefore']).default('returnAfter'),
    /** The first iteration's level. */
    startLevel: z.number().int().min(0).default(0),
    /** Levels a meta-batch draws from: the current one and the band - 1 below it (default: every level up to it). */
    band: z.number().int().min(1).optional(),
  })
  .strict();

export type Curriculum = z.output<typeof curriculumSchema>;

/** Refuses option combinations the schema alone cannot see, naming the field (`root` is e.g. "tasks.curriculum"). */
export function checkCurriculum(curriculum: Curriculum, root: string): void {
  const { levels, promoteAbove, demoteBelow, startLevel, band } = curriculum;
  if (!(demoteBelow < promoteAbove)) {
    throw new TerrariumError(
      `${root}.demoteBelow`,
      demoteBelow,
      `a number below promoteAbove (${promoteAbove})`,
    );
  }
  if (startLevel >= levels) {
    throw new TerrariumError(
      `${root}.startLevel`,
      startLevel,
      `a level in [0, ${levels - 1}] (levels: ${levels})`,
    );
  }
  if (band !== undefined && band > levels) {
    throw new TerrariumError(`${root}.band`, band, `an integer in [1, ${levels}] (levels: ${levels})`);
  }
}

/** The level of a task of `difficulty` (clamped to [0, 1]). */
export function levelOf(difficulty: number, levels: number): number {
  const d = Math.min(1, Math.max(0, difficulty));
  return Math.min(levels - 1, Math.floor(d * levels));
}

/** The levels a meta-batch at `level` draws from, [low, high] inclusive. */
export function levelBand(curriculum: Curriculum, level: number): [number, number] {
  const width = curriculum.band ?? curriculum.levels;
  return [Math.max(0, level - width + 1), level];
}

/** The level after a meta-batch at `level` scored `score`: one up, one down or the same, within the levels. */
export function nextLevel(curriculum: Curriculum, level: number, score: number): number {
  if (score > curriculum.promoteAbove) return Math.min(curriculum.levels - 1, level + 1);
  if (score < curriculum.demoteBelow) return Math.max(0, level - 1);
  return level;
}

/** A distribution's curriculum: its options, each training task's difficulty and level, and the banded sampler. */
export interface TaskCurriculum<Task> {
  readonly options: Curriculum;
  /** A task's difficulty in [0, 1] (values outside the training ranges clamp to 1). */
  difficulty(task: Task): number;
  level(task: Task): number;
  /** n tasks drawn (with replacement, uniformly) from the training tasks in the band of `level`. */
  sampleTrain(n: number, seed: number, level: number): Task[];
}

/**
 * The curriculum over a training pool; every band must hold at least one training task (checked here, so a config
 * whose easiest level is empty is refused when it loads, not mid-run).
 */
export function poolCurriculum<Task>(
  options: Curriculum,
  train: readonly Task[],
  difficulty: (task: Task) => number,
  root = 'tasks.curriculum',
): TaskCurriculum<Task> {
  checkCurriculum(options, root);
  const clamped = (task: Task) => Math.min(1, Math.max(0, difficulty(task)));
  const level = (task: Task) => levelOf(clamped(task), options.levels);
  const byLevel: number[][] = Array.from({ length: options.levels }, () => []);
  for (const [i, task] of train.entries()) byLevel[level(task)]!.push(i);
  const bands = byLevel.map((_, l) => {
    const [low, high] = levelBand(options, l);
    return byLevel
      .slice(low, high + 1)
      .flat()
      .sort((a, b) => a - b);
  });
  const empty = bands.findIndex((band) => band.length === 0);
  if (empty >= 0) {
    const [low, high] = levelBand(options, empty);
    throw new TerrariumError(
      `${root}.levels`,
      options.levels,
      'levels whose every band holds a training task (fewer levels, or a wider band)',
      `none of the ${train.length} training tasks is at level${low === high ? ` ${low}` : `s ${low} to ${high}`}, ` +
        `difficulty ${(low / options.levels).toFixed(2)} to below ${((high + 1) / options.levels).toFixed(2)}; ` +
        `tasks per level: ${byLevel.map((b) => b.length).join(', ')}`,
    );
  }
  return {
    options,
    difficulty: clamped,
    level,
    sampleTrain(n, seed, at) {
      if (!Number.isInteger(at) || at < 0 || at >= options.levels) {
        throw new TerrariumError('curriculumLevel', at, `an integer in [0, ${options.levels - 1}]`);
      }
      const band = bands[at]!;
      const rng = new Rng(seed);
      return Array.from({ length: n }, () => structuredClone(train[band[rng.int(band.length)]!]!));
    },
  };
}
