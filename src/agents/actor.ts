import { TerrariumError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type BackendName, initBackend } from './backend.js';
import { GaussianPolicy } from './policy.js';

export interface PolicyActor {
  /** One observation in, one action out (typed-array forward: no tensors per step). */
  act(obs: Float32Array): Float32Array;
  policy: GaussianPolicy;
  backend: string;
  dispose(): void;
}

export interface PolicyActorOptions {
  /** The env's dims: a policy saved for other dims is an error naming both shapes. */
  obsDim?: number;
  actDim?: number;
  /** Mean actions (default) or samples seeded by `seed`. */
  deterministic?: boolean;
  seed?: number;
  backend?: BackendName;
}

/** Loads a saved policy directory as a batch-1 actor (for `terrarium rollout --policy DIR` and the viewer). */
export async function loadPolicyActor(dir: string, options: PolicyActorOptions = {}): Promise<PolicyActor> {
  const backend = await initBackend(options.backend ?? 'auto');
  const expected =
    options.obsDim !== undefined && options.actDim !== undefined
      ? { obsDim: options.obsDim, actDim: options.actDim }
      : undefined;
  return policyActor(await GaussianPolicy.load(dir, expected), backend, options);
}

/** A loaded policy as a batch-1 actor that owns it; dims that differ from `options` are an error naming both. */
export function policyActor(
  policy: GaussianPolicy,
  backend: string,
  options: PolicyActorOptions = {},
): PolicyActor {
  const { obsDim, actDim } = options;
  if (
    (obsDim !== undefined && obsDim !== policy.obsDim) ||
    (actDim !== undefined && actDim !== policy.actDim)
  ) {
    policy.dispose();
    throw new TerrariumError(
      'policy',
      `a policy with obs ${policy.obsDim}, act ${policy.actDim}`,
      `obs ${obsDim}, act ${actDim} to match the env`,
    );
  }
  const rng = new Rng(options.seed ?? 0);
  const deterministic = options.deterministic ?? true;
  return {
    act: (obs) => policy.act(obs, rng, deterministic, { values: false, path: 'typed' }).actions,
    policy,
    backend,
    dispose: () => policy.dispose(),
  };
}
