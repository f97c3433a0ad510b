/**
 * The queue's payloads: an AdaptJob and a worker's reply as JSON (BullMQ stores job data and return values as
 * JSON). Float32Arrays travel as base64 of their bytes, and every other number array (obs-norm statistics, returns)
 * as base64 of Float64 bytes, so a job run on another machine sees, and returns, bit-identical numbers (-0 and NaN
 * included). Both ends validate with zod: the worker the job, the trainer the reply, including every length that
 * must match the job's parameter count. Nothing here evaluates code: a payload is data only.
 */
import { z } from 'zod';
import type { ObsNormState } from '../../agents/obs-norm.js';
import { parseWith, TerrariumError } from '../../core/errors.js';
import type { AdaptJob, AdaptResult } from '../meta-learner.js';

/** At most 64 M parameters (256 MiB of float32) a vector: far above any policy here, a bound on a bad payload. */
const MAX_FLOATS = 1 << 26;
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64 text');

function encode(values: Float32Array | Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** Bytes as a typed array (a fresh copy, aligned), or null when they are not whole values or too many. */
function decode<T extends Float32Array | Float64Array>(
  text: string,
  Type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
): T | null {
  const bytes = Buffer.from(text, 'base64');
  const size = Type.BYTES_PER_ELEMENT;
  if (bytes.byteLength % size !== 0 || bytes.byteLength / size > MAX_FLOATS) return null;
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return new Type(copy);
}

function typedArray<T extends Float32Array | Float64Array>(Type: {
  new (buffer: ArrayBuffer): T;
  BYTES_PER_ELEMENT: number;
  name: string;
}) {
  return base64.transform((text, ctx) => {
    const values = decode(text, Type);
    if (values) return values;
    ctx.addIssue({ code: 'custom', message: `base64 of at most ${MAX_FLOATS} whole ${Type.name} values` });
    return z.NEVER;
  });
}

const f32 = () => typedArray(Float32Array);
const f64 = () => typedArray(Float64Array).transform((values) => Array.from(values));
const encode64 = (values: number[]) => encode(Float64Array.from(values));

const obsNormWire = z.object({ mean: f64(), var: f64(), count: z.number().nonnegative() }).nullable();

function encodeObsNorm(state: unknown | null) {
  if (state === null) return null;
  const s = state as ObsNormState;
  return { mean: encode64(s.mean), var: encode64(s.var), count: s.count };
}

const intIndex = z.number().int().nonnegative();

const jobWire = z.object({
  v: z.literal(1),
  /** The trainer session that queued the job (late replies of an earlier session are ignored by id). */
  session: z.string().regex(/^[0-9a-f]{1,32}$/),
  kind: z.enum(['rl', 'sine']),
  iteration: intIndex,
  taskIndex: intIndex,
  params: f32(),
  obsNorm: obsNormWire,
  task: z.unknown(),
  seed: z.number().int(),
  keepPath: z.boolean(),
  measureFinal: z.boolean(),
  stepScales: z.array(f32()).max(1000).nullable(),
  finalGradient: z.boolean(),
  explorationGradient: z.boolean(),
  /** The learner's settings: plain JSON, checked again by the learner that builds from it. */
  spec: z.record(z.string(), z.unknown()),
});

export type JobWire = z.input<typeof jobWire>;

export function encodeJob(job: AdaptJob, session: string): JobWire {
  if (job.carry) {
    throw new TerrariumError(
      'keepLearnerState',
      true,
      'false with --queue (queued jobs carry no learner state)',
    );
  }
  return {
    v: 1,
    session,
    kind: job.kind,
    iteration: job.iteration,
    taskIndex: job.taskIndex,
    params: encode(job.params),
    obsNorm: encodeObsNorm(job.obsNorm),
    task: job.task,
    seed: job.seed,
    keepPath: job.keepPath,
    measureFinal: job.measureFinal,
    stepScales: job.stepScales ? job.stepScales.map(encode) : null,
    finalGradient: job.finalGradient,
    explorationGradient: job.explorationGradient,
    spec: job.spec as unknown as Record<string, unknown>,
  };
}

/** The worker's side: a job from the queue, validated (a TerrariumError naming the field otherwise). */
export function decodeJob(data: unknown): { job: AdaptJob; session: string } {
  const { v: _v, session, ...job } = parseWith(jobWire, data, 'job');
  const n = job.params.length;
  if (n === 0) throw lengthError('job.params', 0, 'at least 1 value');
  job.stepScales?.forEach((scales, i) => {
    if (scales.length !== n)
      throw lengthError(`job.stepScales.${i}`, scales.length, `${n} values (job.params)`);
  });
  return { job: job as unknown as AdaptJob, session };
}

const jobErrorWire = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
  path: z.string().optional(),
  value: z.unknown().optional(),
  expected: z.string().optional(),
});

export type JobErrorWire = z.infer<typeof jobErrorWire>;

const resultWire = z.object({
  params: f32(),
  obsNorm: obsNormWire,
  path: z.array(f32()).max(100_000).nullable(),
  finalGradient: f32().nullable(),
  explorationGradient: f32().nullable(),
  context: f32().nullable(),
  stats: z.object({
    returns: f64(),
    envSteps: z.number().int().nonnegative(),
    wallSeconds: z.number().nonnegative(),
  }),
});

const replyWire = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), worker: z.string(), result: resultWire }),
  z.object({ ok: z.literal(false), worker: z.string(), error: jobErrorWire }),
]);

export type ReplyWire = z.input<typeof replyWire>;
export type Reply =
  | { ok: true; worker: string; result: AdaptResult }
  | { ok: false; worker: string; error: JobErrorWire };

export function encodeResult(result: AdaptResult, worker: string): ReplyWire {
  const opt = (values: Float32Array | null) => (values ? encode(values) : null);
  return {
    ok: true,
    worker,
    result: {
      params: encode(result.params),
      obsNorm: encodeObsNorm(result.obsNorm),
      path: result.path ? result.path.map(encode) : null,
      finalGradient: opt(result.finalGradient),
      explorationGradient: opt(result.explorationGradient),
      context: opt(result.context),
      stats: {
        returns: encode64(result.stats.returns),
        envSteps: result.stats.envSteps,
        wallSeconds: result.stats.wallSeconds,
      },
    },
  };
}

/** The trainer's side: a worker's reply to `job`, validated against the job (lengths included). */
export function decodeReply(data: unknown, job: AdaptJob): Reply {
  const reply = parseWith(replyWire, data, 'result');
  if (!reply.ok) return reply;
  const r = reply.result;
  const n = job.params.length;
  const sameLength = (values: Float32Array | null, path: string) => {
    if (values && values.length !== n) throw lengthError(path, values.length, `${n} values (job.params)`);
  };
  sameLength(r.params, 'result.params');
  for (const [i, p] of (r.path ?? []).entries()) sameLength(p, `result.path.${i}`);
  sameLength(r.finalGradient, 'result.finalGradient');
  sameLength(r.explorationGradient, 'result.explorationGradient');
  const norm = job.obsNorm as ObsNormState | null;
  if (
    norm &&
    (!r.obsNorm || r.obsNorm.mean.length !== norm.mean.length || r.obsNorm.var.length !== norm.var.length)
  )
    throw lengthError(
      'result.obsNorm',
      r.obsNorm?.mean.length ?? null,
      `${norm.mean.length} means and variances`,
    );
  if (r.stats.returns.length === 0) throw lengthError('result.stats.returns', 0, 'at least 1 return');
  return { ok: true, worker: reply.worker, result: r };
}

function lengthError(path: string, got: unknown, expected: string) {
  return new TerrariumError(path, got, expected, 'wrong length');
}
