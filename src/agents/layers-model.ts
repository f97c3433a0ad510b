/**
 * A GaussianPolicy as a standard TensorFlow.js LayersModel, for use outside Terrarium (a web page, plain tfjs):
 *
 *   input [obsDim] -> obs_norm (BatchNormalization at inference: (x - mean) / sqrt(var + 1e-8), the policy's running
 *   statistics) -> obs_clip_max / obs_clip_min (clip to [-10, 10], as obs-norm.ts does) -> pi_dense_i (tanh/relu)
 *   -> pi_mean (linear): the mean action [actDim], unclipped (the env clips to its action box).
 *
 * The clip is exact: Maximum/Minimum against constant rows made by a Dense with a zero kernel. Without obs-norm the
 * input goes straight to the MLP. The log-std, dims and provenance ride in model.json's `userDefinedMetadata.terrarium`.
 * Written as `model.json` + `weights.bin` (what tfjs-node's `file://` handler writes), weights first, each atomically.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { parseWith, TerrariumError } from '../core/errors.js';
import { OBS_NORM_CLIP, OBS_NORM_EPS } from './obs-norm.js';
import { GaussianPolicy } from './policy.js';

export const EXPORT_FORMAT = 'terrarium-layers-policy';
export const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

const metadataSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(1),
  obsDim: z.number().int().min(1),
  actDim: z.number().int().min(1),
  /** Gaussian log standard deviation per action dimension (sample: mean + exp(logStd) * N(0, 1)). */
  logStd: z.array(z.number()),
  hiddenSizes: z.array(z.number().int().min(1)),
  activation: z.enum(['tanh', 'relu']),
  /** Observations folded into the statistics inside the model; null: the model has no normalization. */
  obsNormCount: z.number().min(0).nullable(),
  /** The env the policy acts in, its reward preset and whether it observes the task (absent where unknown). */
  env: z.string().optional(),
  reward: z.string().optional(),
  observeTask: z.boolean().optional(),
  /** Where the policy came from (run, iteration, task, k): informative only. */
  source: z.record(z.string(), z.unknown()).optional(),
});

export type ExportMetadata = z.infer<typeof metadataSchema>;

/** Builds the policy's mean path as a LayersModel holding copies of its weights (the caller disposes it). */
export function policyLayersModel(policy: GaussianPolicy): tf.LayersModel {
  const { config, obsDim, actDim } = policy;
  if (config.contextDim > 0) {
    throw new TerrariumError(
      'policy.contextDim',
      config.contextDim,
      '0 (a context policy cannot be exported yet)',
    );
  }
  const params = policy.getParams();
  const weight = (name: string) => {
    const spec = policy.specs.find((s) => s.name === name)!;
    return tf.tensor(params.subarray(spec.offset, spec.offset + spec.size), spec.shape, 'float32');
  };
  const input = tf.input({ shape: [obsDim], name: 'obs' });
  let x: tf.SymbolicTensor = input;
  const weights: [tf.layers.Layer, tf.Tensor[]][] = [];
  if (config.obsNorm) {
    const norm = tf.layers.batchNormalization({
      name: 'obs_norm',
      epsilon: OBS_NORM_EPS,
      center: false,
      scale: false,
    });
    const stats = policy.getObsNorm();
    x = norm.apply(x) as tf.SymbolicTensor;
    weights.push([norm, [tf.tensor1d(stats.mean), tf.tensor1d(stats.var)]]);
    const bound = (name: string, value: number) => {
      const layer = tf.layers.dense({ units: obsDim, name });
      weights.push([layer, [tf.zeros([obsDim, obsDim]), tf.fill([obsDim], value)]]);
      return layer.apply(x) as tf.SymbolicTensor;
    };
    const low = bound('obs_clip_low', -OBS_NORM_CLIP);
    const high = bound('obs_clip_high', OBS_NORM_CLIP);
    x = tf.layers.maximum({ name: 'obs_clip_max' }).apply([x, low]) as tf.SymbolicTensor;
    x = tf.layers.minimum({ name: 'obs_clip_min' }).apply([x, high]) as tf.SymbolicTensor;
  }
  const sizes = [...config.hiddenSizes, actDim];
  sizes.forEach((units, i) => {
    const head = i === sizes.length - 1;
    const name = head ? 'pi/mean' : `pi/dense_${i}`;
    const layer = tf.layers.dense({
      units,
      activation: head ? 'linear' : config.activation,
      name: name.replace('/', '_'),
    });
    x = layer.apply(x) as tf.SymbolicTensor;
    weights.push([layer, [weight(`${name}/kernel`), weight(`${name}/bias`)]]);
  });
  const model = tf.model({ inputs: input, outputs: x, name: 'terrarium_policy' });
  for (const [layer, values] of weights) {
    layer.setWeights(values);
    tf.dispose(values);
  }
  return model;
}

/** What an export records besides the weights: the policy's env (so `terrarium view` can show it) and provenance. */
export type ExportInfo = Pick<ExportMetadata, 'env' | 'reward' | 'observeTask' | 'source'>;

/** Writes `dir/model.json` and `dir/weights.bin` for the policy (weights first, so a reader never sees a mix). */
export async function exportPolicy(
  policy: GaussianPolicy,
  dir: string,
  info: ExportInfo = {},
): Promise<ExportMetadata> {
  const metadata: ExportMetadata = {
    format: EXPORT_FORMAT,
    version: 1,
    obsDim: policy.obsDim,
    actDim: policy.actDim,
    logStd: Array.from(policy.getParams().subarray(...logStdRange(policy))),
    hiddenSizes: [...policy.config.hiddenSizes],
    activation: policy.config.activation,
    obsNormCount: policy.config.obsNorm ? policy.getObsNorm().count : null,
    ...info,
  };
  const model = policyLayersModel(policy);
  try {
    model.setUserDefinedMetadata({ terrarium: metadata });
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        await mkdir(dir, { recursive: true });
        const data = artifacts.weightData ?? new ArrayBuffer(0);
        const bytes = tf.io.concatenateArrayBuffers(Array.isArray(data) ? data : [data]);
        await writeFileAtomic(join(dir, WEIGHTS_FILE), Buffer.from(bytes));
        const json: tf.io.ModelJSON = {
          modelTopology: artifacts.modelTopology as object,
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
          convertedBy: null,
          weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
          userDefinedMetadata: artifacts.userDefinedMetadata,
        };
        await writeFileAtomic(join(dir, MODEL_FILE), `${JSON.stringify(json)}\n`);
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
  } finally {
    model.dispose();
  }
  return metadata;
}

/** model.json of an exported directory and its Terrarium metadata (validated). */
export async function readExportedJson(
  dir: string,
): Promise<{ json: tf.io.ModelJSON; metadata: ExportMetadata }> {
  const path = join(dir, MODEL_FILE);
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new TerrariumError(path, dir, `an exported model (${MODEL_FILE}, JSON)`, (error as Error).message);
  }
  const metadata = parseWith(
    metadataSchema,
    (json.userDefinedMetadata as { terrarium?: unknown } | undefined)?.terrarium,
    `${path}: userDefinedMetadata.terrarium`,
  );
  return { json, metadata };
}

/** The model and its Terrarium metadata from an exported directory (the caller disposes the model). */
export async function loadExportedModel(
  dir: string,
): Promise<{ model: tf.LayersModel; metadata: ExportMetadata }> {
  const { json, metadata } = await readExportedJson(dir);
  const bytes = await readFile(join(dir, WEIGHTS_FILE));
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async () => [
    json.weightsManifest.flatMap((group) => group.weights),
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  ]);
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  return { model, metadata };
}

/** An exported directory back as a GaussianPolicy (no value MLP), acting exactly as the model does. */
export async function loadExportedPolicy(dir: string): Promise<GaussianPolicy> {
  const { model, metadata } = await loadExportedModel(dir);
  try {
    const config = {
      hiddenSizes: metadata.hiddenSizes,
      activation: metadata.activation,
      obsNorm: metadata.obsNormCount !== null,
      valueFunction: false,
    };
    const policy = GaussianPolicy.create(config, metadata.obsDim, metadata.actDim, 0);
    const params = new Float32Array(policy.numParams);
    for (const spec of policy.specs) {
      if (spec.name === 'pi/log_std') params.set(metadata.logStd, spec.offset);
      else {
        const cut = spec.name.lastIndexOf('/');
        const layer = spec.name.slice(0, cut).replace('/', '_');
        const part = spec.name.slice(cut + 1);
        const values = model.getLayer(layer).getWeights();
        params.set(values[part === 'kernel' ? 0 : 1]!.dataSync() as Float32Array, spec.offset);
      }
    }
    policy.setParams(params);
    if (metadata.obsNormCount !== null) {
      const [mean, variance] = model.getLayer('obs_norm').getWeights();
      policy.setObsNorm({
        mean: Array.from(mean!.dataSync()),
        var: Array.from(variance!.dataSync()),
        count: metadata.obsNormCount,
      });
    }
    return policy;
  } finally {
    model.dispose();
  }
}

function logStdRange(policy: GaussianPolicy): [number, number] {
  const spec = policy.specs.find((s) => s.name === 'pi/log_std')!;
  return [spec.offset, spec.offset + spec.size];
}
