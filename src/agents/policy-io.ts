/**
 * A policy directory, written and read by a tfjs IO handler (`atomicDirIOHandler`): `policy.json` (format, dims,
 * config, observation statistics and a tfjs weights manifest) and `weights.bin` (the weights as tfjs encodes them).
 * Both files are written with write-file-atomic, weights first, so a reader sees either the old policy or the new.
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

const metadataSchema = z.object({
  version: z.literal(1),
  obsDim: z.number().int().min(1).max(100_000),
  actDim: z.number().int().min(1).max(100_000),
  config: z.unknown(),
  obsNorm: z.object({ mean: z.array(z.number()), var: z.array(z.number()), count: z.number().min(0) }),
});

const manifestSchema = metadataSchema.extend({
  format: z.literal(POLICY_FORMAT),
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string()),
        weights: z.array(
          z.object({
            name: z.string(),
            shape: z.array(z.number().int().min(1).max(100_000)).max(4),
            dtype: z.string(),
          }),
        ),
      }),
    )
    .length(1),
});

type PolicyMetadata = z.infer<typeof metadataSchema>;
type UserMetadata = tf.io.ModelArtifacts['userDefinedMetadata'];

/** A tfjs IOHandler over a policy directory; `userDefinedMetadata` carries dims, config and obs statistics. */
export function atomicDirIOHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts) {
      await mkdir(dir, { recursive: true });
      const data = artifacts.weightData ?? new ArrayBuffer(0);
      const weights = tf.io.concatenateArrayBuffers(Array.isArray(data) ? data : [data]);
      await writeFileAtomic(join(dir, WEIGHTS_FILE), Buffer.from(weights));
      const manifest = {
        format: POLICY_FORMAT,
        ...(artifacts.userDefinedMetadata as PolicyMetadata),
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load() {
      let text: string;
      try {
        text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
      } catch {
        throw new TerrariumError('policy', dir, `a policy directory containing ${MANIFEST_FILE}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new TerrariumError(
          join(dir, MANIFEST_FILE),
          text.slice(0, 40),
          'JSON',
          (error as Error).message,
        );
      }
      const { format, weightsManifest, ...metadata } = parseWith(
        manifestSchema,
        json,
        join(dir, MANIFEST_FILE),
      );
      const buffer = await readFile(join(dir, WEIGHTS_FILE));
      return {
        format,
        weightSpecs: weightsManifest[0]!.weights as tf.io.WeightsManifestEntry[],
        weightData: buffer.buffer.slice(
          buffer.byteOffset,
          buffer.byteOffset + buffer.byteLength,
        ) as ArrayBuffer,
        userDefinedMetadata: metadata as UserMetadata,
      };
    },
  };
}

export interface PolicyFiles {
  config: unknown;
  obsDim: number;
  actDim: number;
  obsNorm: ObsNormState;
  specs: ParamSpec[];
  params: Float32Array;
}

export async function savePolicyFiles(dir: string, policy: PolicyFiles): Promise<void> {
  const tensors: tf.NamedTensorMap = {};
  for (const s of policy.specs) {
    tensors[s.name] = tf.tensor(policy.params.subarray(s.offset, s.offset + s.size), s.shape, 'float32');
  }
  try {
    const { data, specs } = await tf.io.encodeWeights(tensors);
    const metadata: PolicyMetadata = {
      version: 1,
      obsDim: policy.obsDim,
      actDim: policy.actDim,
      config: policy.config,
      obsNorm: policy.obsNorm,
    };
    await atomicDirIOHandler(dir).save!({
      weightSpecs: specs,
      weightData: data,
      userDefinedMetadata: metadata as UserMetadata,
    });
  } finally {
    tf.dispose(tensors);
  }
}

/** Reads a policy directory; `read(specs)` decodes the weights into a flat vector in `specs` order. */
export async function loadPolicyFiles(
  dir: string,
  expected?: { obsDim: number; actDim: number },
): Promise<Omit<PolicyFiles, 'specs' | 'params'> & { read(specs: ParamSpec[]): Float32Array }> {
  const artifacts = await atomicDirIOHandler(dir).load!();
  const meta = artifacts.userDefinedMetadata as PolicyMetadata;
  if (expected && (expected.obsDim !== meta.obsDim || expected.actDim !== meta.actDim)) {
    throw new TerrariumError(
      'policy',
      `a policy with obs ${meta.obsDim}, act ${meta.actDim} (${dir})`,
      `obs ${expected.obsDim}, act ${expected.actDim} to match the env`,
    );
  }
  return {
    config: meta.config,
    obsDim: meta.obsDim,
    actDim: meta.actDim,
    obsNorm: meta.obsNorm,
    read(specs) {
      const decoded = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs!);
      try {
        const flat = new Float32Array(specs.reduce((n, s) => n + s.size, 0));
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
