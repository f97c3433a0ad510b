import { parseWith, TerrariumError } from '../core/errors.js';
import type { SineTrainConfig } from './config.js';
import { type AdaptJob, type AdaptResult, jobBase, type MetaLearner } from './meta-learner.js';
import {
  adaptSine,
  initSineParams,
  type SineSpec,
  type SineTask,
  sineNumParams,
  sineTaskDistribution,
  sineTaskSchema,
} from './sine.js';

/** The sine-regression toy as a meta-level learner: plain typed arrays, no obs-norm state. */
export function sineMetaLearner(config: SineTrainConfig): MetaLearner {
  const distribution = sineTaskDistribution();
  const spec: SineSpec = { hidden: config.hidden, ...config.inner };
  return {
    kind: 'sine',
    backend: 'plain-js',
    init: async (seed) => ({ params: initSineParams(config.hidden, seed), obsNorm: null }),
    sampleTasks: (n, seed) => distribution.sampleTrain(n, seed),
    job: (fields) => {
      const { base, steps } = jobBase(fields);
      return {
        ...base,
        explorationGradient: false,
        kind: 'sine',
        spec: { ...spec, steps: steps ?? spec.steps },
      };
    },
    mergeObsNorm: () => null,
    dispose: () => {},
  };
}

/** Runs one sine adaptation job (any thread). */
export function runSineJob(job: Extract<AdaptJob, { kind: 'sine' }>): AdaptResult {
  const start = performance.now();
  // A job is an input boundary (it may come from another thread or machine): check what it carries.
  const task: SineTask = parseWith(sineTaskSchema, job.task, 'task');
  if (job.params.length !== sineNumParams(job.spec.hidden)) {
    throw new TerrariumError(
      'params',
      `length ${job.params.length}`,
      `${sineNumParams(job.spec.hidden)} numbers`,
    );
  }
  const result = adaptSine(job.params, task, job.spec, job.seed, job.keepPath);
  return {
    params: result.params,
    obsNorm: null,
    path: job.keepPath ? result.path : null,
    finalGradient: null,
    explorationGradient: null,
    context: null,
    stats: { returns: result.returns, envSteps: 0, wallSeconds: (performance.now() - start) / 1000 },
  };
}

export interface SineEvaluation {
  tasks: number;
  steps: number;
  points: number;
  /** Mean MSE on the held-out sines after `steps` inner steps, from the meta-init and from a random init. */
  metaMse: number;
  randomMse: number;
  /** Mean MSE after 0..steps inner steps. */
  metaCurve: number[];
  randomCurve: number[];
}

/**
 * The few-shot test of the sine toy: held-out sines (the test split), `steps` SGD steps on `points` samples each,
 * from the meta-init and from a fresh random init (same seed as the run's init, before any meta-training).
 */
export function evaluateSine(
  config: SineTrainConfig,
  params: Float32Array,
  randomSeed: number,
): SineEvaluation {
  const { steps, points, tasks: n } = config.evaluation;
  const spec: SineSpec = { hidden: config.hidden, steps, lr: config.inner.lr, points, batchSize: points };
  const tasks = sineTaskDistribution().testTasks(n);
  const random = initSineParams(config.hidden, randomSeed);
  const curve = (init: Float32Array) => {
    const sum = new Array<number>(steps + 1).fill(0);
    tasks.forEach((task, i) => {
      adaptSine(init, task, spec, 1000 + i).returns.forEach((r, k) => {
        sum[k]! -= r / tasks.length;
      });
    });
    return sum;
  };
  const metaCurve = curve(params);
  const randomCurve = curve(random);
  return {
    tasks: n,
    steps,
    points,
    metaMse: metaCurve[steps]!,
    randomMse: randomCurve[steps]!,
    metaCurve,
    randomCurve,
  };
}
