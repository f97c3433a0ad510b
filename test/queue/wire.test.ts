import { describe, expect, it } from 'vitest';
import type { AdaptJob, AdaptResult } from '../../src/meta/meta-learner.js';
import { decodeJob, decodeReply, encodeJob, encodeResult } from '../../src/meta/queue/wire.js';

const bits = (values: Float32Array) => Array.from(new Uint32Array(values.buffer));
const awkward = Float32Array.from([0, -0, Number.NaN, 1e-45, -3.4e38, Number.POSITIVE_INFINITY, 1 / 3]);

const job: AdaptJob = {
  kind: 'sine',
  iteration: 4,
  taskIndex: 2,
  params: awkward,
  obsNorm: { mean: [-0, 0.1], var: [Number.NaN, 2], count: 3 },
  task: { amplitude: 1, phase: 0.5 },
  seed: 123,
  keepPath: true,
  measureFinal: true,
  stepScales: [awkward.map((x) => x * 2)],
  finalGradient: false,
  explorationGradient: false,
  spec: { hidden: [8], steps: 1, lr: 0.1, points: 10, batchSize: 5 },
};

/** Through JSON, as BullMQ stores it. */
const viaJson = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

describe('queue wire format', () => {
  it('a job crosses the queue bit for bit (-0, NaN, subnormals, infinities)', () => {
    const { job: back, session } = decodeJob(viaJson(encodeJob(job, 'abc123')));
    expect(session).toBe('abc123');
    expect(bits(back.params)).toEqual(bits(awkward));
    expect(bits(back.stepScales![0]!)).toEqual(bits(job.stepScales![0]!));
    expect(Object.is((back.obsNorm as { mean: number[] }).mean[0], -0)).toBe(true);
    expect((back.obsNorm as { var: number[] }).var[0]).toBeNaN();
    expect({ ...back, params: null, stepScales: null, obsNorm: null }).toEqual({
      ...job,
      params: null,
      stepScales: null,
      obsNorm: null,
    });
  });

  it('a reply crosses the queue bit for bit, and one of the wrong length is refused naming the field', () => {
    const result: AdaptResult = {
      params: awkward.map((x) => -x),
      obsNorm: { mean: [1, 2], var: [3, 4], count: 5 },
      path: [awkward],
      finalGradient: null,
      explorationGradient: null,
      context: Float32Array.from([0.5]),
      stats: { returns: [-0, Number.NaN, 2.5], envSteps: 40, wallSeconds: 0.25 },
    };
    const back = decodeReply(viaJson(encodeResult(result, 'host:1')), job);
    if (!back.ok) throw new Error('expected a result');
    expect(bits(back.result.params)).toEqual(bits(result.params));
    expect(bits(back.result.path![0]!)).toEqual(bits(awkward));
    expect(Object.is(back.result.stats.returns[0], -0)).toBe(true);
    expect(back.result.stats.returns[1]).toBeNaN();
    const short = { ...result, path: [awkward.subarray(0, 3)] };
    expect(() => decodeReply(viaJson(encodeResult(short, 'host:1')), job)).toThrow(
      /^result\.path\.0: expected 7 values \(job\.params\), got 3/,
    );
  });

  it('a job with a wrong type or an unknown kind is refused, naming the field', () => {
    expect(() => decodeJob({ ...(viaJson(encodeJob(job, 'abc')) as object), seed: 'x' })).toThrow(
      /^job\.seed: expected number, got "x"/,
    );
    expect(() => decodeJob({ ...(viaJson(encodeJob(job, 'abc')) as object), kind: 'exec' })).toThrow(
      /^job\.kind: expected one of "rl", "sine", got "exec"/,
    );
  });
});
