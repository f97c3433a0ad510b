import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { backendInUse, initBackend } from '../../src/agents/backend.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import { TerrariumError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { maxRelDiff } from './helpers.js';

/** Outputs and gradients agree across backends to float32 rounding: 1e-4 relative to the largest magnitude. */
const TOLERANCE = 1e-4;

async function outputsAndGradients(backend: 'wasm' | 'cpu', params: Float32Array) {
  expect(await initBackend(backend)).toBe(backend);
  expect(tf.getBackend()).toBe(backend);
  const p = GaussianPolicy.create({ hiddenSizes: [64, 64] }, 27, 8, 1);
  p.setParams(params);
  const rng = new Rng(2);
  const obs = Float32Array.from({ length: 64 * 27 }, () => rng.normal());
  const actions = Float32Array.from({ length: 64 * 8 }, () => rng.normal());
  const result = tf.tidy(() => {
    const x = tf.tensor2d(obs, [64, 27]);
    const a = tf.tensor2d(actions, [64, 8]);
    const means = p.meanTensor(x).dataSync() as Float32Array;
    const { grads } = tf.variableGrads(
      () => p.logProbTensor(x, a).mean().add(p.valueTensor(x).square().mean()).neg() as tf.Scalar,
      p.variables,
    );
    const flat = tf.concat(p.variables.map((v) => grads[v.name]!.reshape([-1]))).dataSync() as Float32Array;
    return { means, grads: flat };
  });
  p.dispose();
  return result;
}

describe('backends', () => {
  it('auto picks wasm here (no tfjs-node installed) and is idempotent', async () => {
    const first = await initBackend('auto');
    expect(['wasm', 'node', 'node-gpu']).toContain(first);
    expect(await initBackend('auto')).toBe(first);
    expect(backendInUse()).toBe(first);
  });

  it('wasm and cpu give the same policy outputs and gradients within 1e-4 (relative)', async () => {
    await initBackend('cpu');
    const seedPolicy = GaussianPolicy.create({}, 27, 8, 5);
    const params = seedPolicy.getParams().map((x, i) => x + 0.02 * Math.cos(i));
    seedPolicy.dispose();
    const wasm = await outputsAndGradients('wasm', params);
    const cpu = await outputsAndGradients('cpu', params);
    expect(maxRelDiff(wasm.means, cpu.means)).toBeLessThan(TOLERANCE);
    expect(maxRelDiff(wasm.grads, cpu.grads)).toBeLessThan(TOLERANCE);
    expect(wasm.grads.some((g) => g !== 0)).toBe(true);
  });

  it('asking for an uninstalled node backend says how to install it', async () => {
    let installed = true;
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      installed = false;
    }
    if (installed) return;
    await expect(initBackend('node')).rejects.toThrow(TerrariumError);
    await expect(initBackend('node')).rejects.toThrow(/npm install @tensorflow\/tfjs-node/);
    await expect(initBackend('tpu' as never)).rejects.toThrow(/backend: expected one of auto, wasm/);
  });
});
