/**
 * A policy directory: `policy.json` (format, dims, config, observation statistics and a tfjs weights manifest)
 * and `weights.bin` (the weights, encoded by tfjs's `io.encodeWeights`). Both are written with write-file-atomic,
 * weights first, so a reader sees either the old policy or the new one.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { parseWith, TerrariumError } from '../core/errors.js';
import type { ParamSpec } from './mlp.js';
import type { ObsNormState } from './obs-norm.js';

export const POLICY_FORMAT = 'terrarium-gaussian-policy';
const WEIGHTS_FILE = 'weights.bin';
const MANIFEST_FILE = 'policy.json';

const manifestSchema = z.object({
  format: z.literal(POLICY_FORMAT),
  version: z.literal(1),
  obsDim: z.number().int().min(1),
  actDim: z.number().int().min(1),
  config: z.unknown(),
  obsNorm: z.object({ mean: z.array(z.number()), var: z.array(z.number()), count: z.number().min(0) }),
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string()),
        weights: z.array(z.object({ name: z.string(), shape: z.array(z.number().int()), dtype: z.string() })),
      }),
    )
    .length(1),
});

export interface PolicyFiles {
  config: unknown;
  obsDim: number;
  actDim: number;
  obsNorm: ObsNormState;
  specs: ParamSpec[];
  params: Float32Array;
}

export async function savePolicyFiles(dir: string, policy: PolicyFiles): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors: tf.NamedTensorMap = {};
  for (const s of policy.specs) {
    tensors[s.name] = tf.tensor(policy.params.subarray(s.offset, s.offset + s.size), s.shape, 'float32');
  }
  try {
    const { data, specs } = await tf.io.encodeWeights(tensors);
    await writeFileAtomic(join(dir, WEIGHTS_FILE), Buffer.from(data));
    const manifest = {
      format: POLICY_FORMAT,
      version: 1,
      obsDim: policy.obsDim,
      actDim: policy.actDim,
      config: policy.config,
      obsNorm: policy.obsNorm,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
    };
    await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  } finally {
    tf.dispose(tensors);
  }
}

/** Reads a policy directory; `read(specs)` decodes the weights into a flat vector in `specs` order. */
export async function loadPolicyFiles(
  dir: string,
  expected?: { obsDim: number; actDim: number },
): Promise<Omit<PolicyFiles, 'specs' | 'params'> & { read(specs: ParamSpec[]): Float32Array }> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new TerrariumError('--policy', dir, `a policy directory containing ${MANIFEST_FILE}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TerrariumError(join(dir, MANIFEST_FILE), text.slice(0, 40), 'JSON', (error as Error).message);
  }
  const manifest = parseWith(manifestSchema, json, join(dir, MANIFEST_FILE));
  if (expected && (expected.obsDim !== manifest.obsDim || expected.actDim !== manifest.actDim)) {
    throw new TerrariumError(
      'policy',
      `a policy with obs ${manifest.obsDim}, act ${manifest.actDim} (${dir})`,
      `obs ${expected.obsDim}, act ${expected.actDim} to match the env`,
    );
  }
  const buffer = await readFile(join(dir, WEIGHTS_FILE));
  const weights = manifest.weightsManifest[0]!.weights as tf.io.WeightsManifestEntry[];
  return {
    config: manifest.config,
    obsDim: manifest.obsDim,
    actDim: manifest.actDim,
    obsNorm: manifest.obsNorm,
    read(specs) {
      const decoded = tf.io.decodeWeights(
        buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength),
        weights,
      );
      try {
        const total = specs.reduce((n, s) => n + s.size, 0);
        const flat = new Float32Array(total);
        for (const s of specs) {
          const t = decoded[s.name];
          if (!t || t.size !== s.size) {
            throw new TerrariumError(
              `${join(dir, WEIGHTS_FILE)}: ${s.name}`,
              t ? `shape [${t.shape}]` : undefined,
              `shape [${s.shape}]`,
            );
          }
          flat.set(t.dataSync() as Float32Array, s.offset);
        }
        return flat;
      } finally {
        tf.dispose(decoded);
      }
    },
  };
}
