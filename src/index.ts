/**
 * Terrarium as a library: `import { makeEnv, GaussianPolicy, train, evaluate, loadPolicy } from 'terrarium'`.
 * The types are the documentation (docs/api.md has a walk-through). Importing this module selects and initializes
 * the TensorFlow.js backend (`initBackend('auto')`: tfjs-node if installed, else wasm, else cpu); call
 * `initBackend(name)` to pick another.
 */
import { initBackend } from './agents/backend.js';

export { type BackendName, backendInUse, initBackend } from './agents/backend.js';
export { type ExportMetadata, exportPolicy } from './agents/layers-model.js';
export type { ObsNormState } from './agents/obs-norm.js';
export {
  type ActResult,
  GaussianPolicy,
  type PolicyConfig,
  type PolicyConfigInput,
} from './agents/policy.js';
export { TerrariumError } from './core/errors.js';
export { Rng } from './core/rng.js';
export type { Env, ResetResult, StepResult } from './envs/env.js';
export { type EnvEntry, listEnvs, type MakeEnvOptions, makeEnv, makeVectorEnv } from './envs/registry.js';
export type { Box } from './envs/spaces.js';
export type { VectorEnv, VectorStepResult } from './envs/vector-env.js';
export {
  type EvaluateOptions,
  type EvaluateResult,
  evaluate,
  type TrainConfigInput,
  type TrainOptions,
  train,
} from './meta/api.js';
export type { MetricsEvent } from './meta/events.js';
export { type LoadPolicyOptions, loadPolicy, type PolicyKind } from './meta/run-policy.js';
export type { TrainSummary } from './meta/trainer.js';

await initBackend();
