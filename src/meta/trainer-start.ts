/**
 * Where a training run starts: a new run's initial state (the meta-init, Adam, Meta-SGD step sizes, the task RNG),
 * or with `resume` the newest checkpoint that verifies, with notes saying what was loaded, skipped and dropped.
 * Reads only: nothing in the run directory changes here.
 */
import { join } from 'node:path';
import { deriveSeed, Rng } from '../core/rng.js';
import { type Checkpoint, findCheckpoint } from './checkpoint.js';
import { isSineConfig, metaSgdVectors, type TrainConfig } from './config.js';
import type { MetaLearner } from './meta-learner.js';
import { stepScalesInit } from './meta-sgd.js';
import { adamInit } from './reptile.js';
import { type MetricsPlan, planMetrics } from './resume-checks.js';
import { warmStart } from './warm-start.js';

export interface StartState {
  state: Checkpoint;
  resumed: boolean;
  notes: string[];
  /** With a resume: the metrics.jsonl text to keep (lines past the checkpoint dropped). */
  metricsPlan: MetricsPlan | null;
}

/** The seed of the initial meta-parameters (also the "random init" baseline's seed). */
export function initSeed(config: TrainConfig): number {
  return deriveSeed(config.seed, 0x1a17);
}

export async function startState(
  config: TrainConfig,
  runDir: string,
  learner: MetaLearner,
  resume: boolean,
): Promise<StartState> {
  const notes: string[] = [];
  const found = resume ? await findCheckpoint(runDir) : null;
  if (found) {
    for (const { name, reason } of found.skipped) notes.push(`skipped checkpoint ${name}: ${reason}`);
    notes.push(
      `resuming from checkpoint ${found.name} (iteration ${found.checkpoint.iteration}` +
        `${found.verified ? '' : '; written before checksums, not verified'})`,
    );
    const metricsPlan = await planMetrics(join(runDir, 'metrics.jsonl'), found.checkpoint.iteration);
    notes.push(...metricsPlan.notes);
    const state = { ...found.checkpoint, metricsLines: metricsPlan.text.split('\n').length - 1 };
    return { state, resumed: true, notes, metricsPlan };
  }
  if (resume) notes.push(`no checkpoint yet in ${runDir}: starting at iteration 1`);
  const warm = !isSineConfig(config) && config.initFrom ? await warmStart(config, initSeed(config)) : null;
  if (warm) notes.push(warm.note);
  const init = warm ?? (await learner.init(initSeed(config)));
  const state: Checkpoint = {
    version: 1,
    iteration: 0,
    params: init.params,
    obsNorm: init.obsNorm,
    adam: config.outer.optimizer === 'adam' ? adamInit(init.params.length) : null,
    stepScales:
      !isSineConfig(config) && config.metaSgd
        ? stepScalesInit(init.params.length, metaSgdVectors(config))
        : null,
    rng: { tasks: new Rng(deriveSeed(config.seed, 0x7a5c)).getState() },
    ...(learner.curriculum ? { curriculumLevel: learner.curriculum.startLevel } : {}),
    metricsLines: 0,
    envSteps: warm?.envSteps ?? 0,
    wallSeconds: warm?.wallSeconds ?? 0,
  };
  return { state, resumed: false, notes, metricsPlan: null };
}
