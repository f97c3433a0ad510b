import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkpointBytes,
  decodeJson,
  encodeJson,
  readCheckpointBytes,
} from '../../src/meta/checkpoint-file.js';

// The file format's contract (checkpoint-file.ts): a header line {"checkpoint":2,"sha256":HEX,"bytes":N}, then the
// payload; a file that is not the complete payload it names is refused with its reason; payload-only files load
// unverified.
const CHECKPOINT = { version: 1, iteration: 3, params: Float32Array.from([0.5, -1.25, 3]), note: 'é' };

function read(bytes: Buffer | string) {
  return readCheckpointBytes(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8'));
}

function reason(bytes: Buffer | string): string {
  const result = read(bytes);
  if (result.ok) throw new Error('expected the file to be refused');
  return result.reason;
}

describe('a checkpoint file', () => {
  it('is a header naming the payload by length and SHA-256, then the payload, and reads back verified', () => {
    const bytes = checkpointBytes(CHECKPOINT);
    const text = bytes.toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const [headerLine, payload, ...rest] = text.split('\n');
    expect(rest).toEqual(['']);
    const payloadBytes = Buffer.from(payload!, 'utf8');
    expect(JSON.parse(headerLine!)).toEqual({
      checkpoint: 2,
      sha256: createHash('sha256').update(payloadBytes).digest('hex'),
      bytes: payloadBytes.byteLength,
    });
    const result = read(bytes);
    expect(result.ok && result.verified).toBe(true);
    if (!result.ok) return;
    expect(result.data.params).toBeInstanceOf(Float32Array);
    expect(Array.from(result.data.params as Float32Array)).toEqual([0.5, -1.25, 3]);
    expect(result.data.note).toBe('é');
  });

  it('typed arrays of every kind, views into larger buffers too, survive the round trip bit for bit', () => {
    const big = Float64Array.from([1, Math.PI, -0, 7]);
    const value = {
      f32: Float32Array.from([1e-30, -2]),
      f64: big.subarray(1, 3),
      i32: Int32Array.from([-5, 2 ** 31 - 1]),
      u8: Uint8Array.from([0, 255, 7]),
      plain: { $typed: 'Float32Array', base64: 5 },
    };
    const back = decodeJson(encodeJson(value)) as typeof value;
    expect(back.f32).toEqual(value.f32);
    expect(back.f64).toBeInstanceOf(Float64Array);
    expect(Array.from(back.f64)).toEqual([Math.PI, -0]);
    expect(Object.is(back.f64[1], -0)).toBe(true);
    expect(back.i32).toEqual(value.i32);
    expect(back.u8).toEqual(value.u8);
    // An object that only looks like a typed array (base64 not text) stays a plain object.
    expect(back.plain).toEqual({ $typed: 'Float32Array', base64: 5 });
    // So does one whose kind is not text.
    expect(decodeJson('{"$typed":7,"base64":"AAAA"}')).toEqual({ $typed: 7, base64: 'AAAA' });
  });

  it('refuses a typed array of unknown kind or with a torn last element', () => {
    expect(() => decodeJson('{"x":{"$typed":"BigInt64Array","base64":""}}')).toThrow(
      'unknown typed array BigInt64Array',
    );
    const threeBytes = Buffer.from([1, 2, 3]).toString('base64');
    expect(() => decodeJson(`{"x":{"$typed":"Float32Array","base64":"${threeBytes}"}}`)).toThrow(
      'torn Float32Array',
    );
  });

  it("a refusal's reason stays one short line, however long the decoder's message", () => {
    const payload = Buffer.from(`{"params":{"$typed":"${'X'.repeat(500)}","base64":""}}`);
    const read = readCheckpointBytes(payload);
    expect(read.ok).toBe(false);
    const { reason } = read as { reason: string };
    expect(reason).toMatch(/^not valid JSON \(unknown typed array X+\)$/);
    expect(reason.length).toBeLessThan(120);
  });

  it('cut anywhere is refused: within the header, within the payload, or its last newline kept', () => {
    const bytes = checkpointBytes(CHECKPOINT);
    const headerEnd = bytes.indexOf(0x0a);
    const payloadBytes = bytes.byteLength - headerEnd - 2;
    expect(reason(Buffer.alloc(0))).toBe('empty file');
    expect(reason(bytes.subarray(0, 20))).toBe('20 bytes, cut within its header line');
    expect(reason(bytes.subarray(0, headerEnd))).toBe(`${headerEnd} bytes, cut within its header line`);
    for (const cut of [headerEnd + 1, headerEnd + 2, bytes.byteLength - 2]) {
      const kept = cut - headerEnd - 1;
      expect(reason(bytes.subarray(0, cut))).toBe(
        `${kept} of ${payloadBytes} payload bytes (truncated or altered)`,
      );
    }
    const withoutFinalNewline = read(bytes.subarray(0, bytes.byteLength - 1));
    expect(withoutFinalNewline.ok && withoutFinalNewline.verified).toBe(true);
  });

  it('altered is refused: a changed payload byte, a header that is not JSON, a payload grown', () => {
    const bytes = Buffer.from(checkpointBytes(CHECKPOINT));
    const headerEnd = bytes.indexOf(0x0a);
    const flipped = Buffer.from(bytes);
    flipped[bytes.byteLength - 3] = flipped[bytes.byteLength - 3]! ^ 1;
    expect(reason(flipped)).toBe('checksum mismatch (altered)');
    const badHeader = Buffer.concat([Buffer.from('{"checkpoint":2,\n'), bytes.subarray(headerEnd + 1)]);
    expect(reason(badHeader)).toBe('unreadable header line');
    const grown = Buffer.concat([bytes.subarray(0, -1), Buffer.from(' \n')]);
    expect(reason(grown)).toMatch(/^\d+ of \d+ payload bytes \(truncated or altered\)$/);
  });

  it('written before checksums (the payload alone) still loads, unverified', () => {
    const legacy = read(`${encodeJson(CHECKPOINT)}\n`);
    expect(legacy.ok).toBe(true);
    expect(legacy.ok && legacy.verified).toBe(false);
    expect(legacy.ok && Array.from(legacy.data.params as Float32Array)).toEqual([0.5, -1.25, 3]);
  });

  it('must decode to a version-1 checkpoint: finite Float32Array params and an iteration count >= 0', () => {
    const file = (value: unknown) => checkpointBytes(value);
    expect(reason('{"version":1,')).toMatch(/^not valid JSON \(.+\)$/);
    expect(reason(file(null))).toBe('not a checkpoint (no version 1)');
    expect(reason(file(7))).toBe('not a checkpoint (no version 1)');
    expect(reason(file({ ...CHECKPOINT, version: 2 }))).toBe('not a checkpoint (no version 1)');
    expect(reason(file({ ...CHECKPOINT, params: [1, 2] }))).toBe('no Float32Array params');
    expect(reason(file({ ...CHECKPOINT, params: Float64Array.from([1]) }))).toBe('no Float32Array params');
    for (const iteration of [-1, 1.5, '3', undefined]) {
      expect(reason(file({ ...CHECKPOINT, iteration })), String(iteration)).toBe('no iteration count');
    }
    expect(read(file({ ...CHECKPOINT, iteration: 0 })).ok).toBe(true);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const params = Float32Array.from([1, bad]);
      expect(reason(file({ ...CHECKPOINT, params })), String(bad)).toBe('NaN or infinite parameters');
    }
  });
});
