/**
 * The worker-thread side of the threaded episode collector: one piscina task = one slice's rollout segment. A worker
 * keeps the env copies it built, one set per (env spec, copy count), across tasks; a slice's result does not depend
 * on which worker runs it (rollout-slice.ts), so piscina may hand any slice to any worker. No tfjs is loaded here.
 * A slice's own error comes back as data ({ ok: false }): a rejected piscina promise means the worker itself died.
 */
import { Piscina } from 'piscina';
import { TerrariumError } from '../core/errors.js';
import { threadCpuSeconds } from '../core/thread-cpu.js';
import type { Env } from '../envs/env.js';
import { type MakeEnvOptions, makeEnv } from '../envs/registry.js';
import type { RolloutBatch } from './rollout.js';
import { collectSlice, type PolicySnapshot, type SliceOptions } from './rollout-slice.js';

/** How to build the env copies: `makeEnv(env, options)` each. */
export interface CollectorEnvSpec {
  env: string;
  options: MakeEnvOptions;
}

export interface SliceJob {
  spec: CollectorEnvSpec;
  firstCopy: number;
  quotas: number[];
  /** The task of each of the slice's copies (the main thread's `venv.tasks`), set before the copies reset. */
  tasks: unknown[];
  policy: PolicySnapshot;
  seed: number;
  options: SliceOptions;
}

export type SliceReply =
  /** `cpuSeconds`: the worker thread's CPU time for the slice (benchmarks; NaN off Linux). */
  | { ok: true; batch: RolloutBatch; cpuSeconds: number }
  | { ok: false; error: { message: string; path?: string; value?: unknown; expected?: string } };

const envSets = new Map<string, Promise<Env<unknown>[]>>();

function envsFor(spec: CollectorEnvSpec, count: number): Promise<Env<unknown>[]> {
  const key = JSON.stringify({ spec, count });
  let envs = envSets.get(key);
  if (!envs) {
    envs = (async () => {
      const built: Env<unknown>[] = [];
      for (let i = 0; i < count; i++) built.push(await makeEnv(spec.env, spec.options));
      return built;
    })();
    envSets.set(key, envs);
  }
  return envs;
}

export default async function collectSliceInWorker(job: SliceJob): Promise<SliceReply> {
  try {
    const cpu0 = threadCpuSeconds();
    const envs = await envsFor(job.spec, job.quotas.length);
    envs.forEach((env, k) => {
      env.setTask(job.tasks[k]);
    });
    const batch = collectSlice(job.policy, envs, job.firstCopy, job.quotas, job.seed, job.options);
    const cpuSeconds = threadCpuSeconds() - cpu0;
    return movable({ ok: true, batch, cpuSeconds }, batchBuffers(batch)) as SliceReply;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return { ok: false, error: e instanceof TerrariumError ? e.toJSON() : { message: e.message } };
  }
}

/** The ArrayBuffers of a batch's typed arrays (to transfer instead of copy). */
export function batchBuffers(batch: RolloutBatch): ArrayBuffer[] {
  return Object.values(batch).flatMap((v) => (ArrayBuffer.isView(v) ? [v.buffer as ArrayBuffer] : []));
}

/** Wraps `value` so piscina moves `buffers` (transfers them, no copy) when posting it to the other thread. */
export function movable<T>(value: T, buffers: ArrayBuffer[]): unknown {
  const wrapped = { [Piscina.transferableSymbol]: buffers, [Piscina.valueSymbol]: value };
  return Piscina.move(wrapped as unknown as Parameters<typeof Piscina.move>[0]);
}
