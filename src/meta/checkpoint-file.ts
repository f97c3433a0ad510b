/**
 * One checkpoint file, as bytes: a header line `{"checkpoint":2,"sha256":HEX,"bytes":N}` and, on the second line, the
 * payload (the checkpoint as JSON, typed arrays as base64 of their bytes). The hash covers the payload's bytes, so a
 * truncated, torn or altered file is told apart from a complete one. Files written before checksums existed (the
 * payload alone, one line) still load, unverified.
 */
import { createHash } from 'node:crypto';

/** JSON with typed arrays as { $typed: "Float32Array", base64 }. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (
      v instanceof Float32Array ||
      v instanceof Float64Array ||
      v instanceof Int32Array ||
      v instanceof Uint8Array
    ) {
      return {
        $typed: v.constructor.name,
        base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'),
      };
    }
    return v;
  });
}

const TYPED = { Float32Array, Float64Array, Int32Array, Uint8Array } as const;

export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, v) => {
    if (v && typeof v === 'object' && typeof v.$typed === 'string' && typeof v.base64 === 'string') {
      const Ctor = TYPED[v.$typed as keyof typeof TYPED];
      if (!Ctor) throw new Error(`unknown typed array ${v.$typed}`);
      const bytes = Buffer.from(v.base64, 'base64');
      if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) throw new Error(`torn ${v.$typed}`);
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      return new Ctor(copy.buffer);
    }
    return v;
  });
}

const HEADER_START = '{"checkpoint":';

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The file's bytes: header line with the payload's hash and length, then the payload. */
export function checkpointBytes(checkpoint: unknown): Buffer {
  const payload = Buffer.from(encodeJson(checkpoint), 'utf8');
  const header = JSON.stringify({ checkpoint: 2, sha256: sha256(payload), bytes: payload.byteLength });
  return Buffer.concat([Buffer.from(`${header}\n`, 'utf8'), payload, Buffer.from('\n')]);
}

export type CheckpointRead =
  | { ok: true; data: Record<string, unknown>; verified: boolean }
  | { ok: false; reason: string };

/** Checks a checkpoint file's bytes: its checksum (when it has one), then that it decodes to a checkpoint. */
export function readCheckpointBytes(bytes: Buffer): CheckpointRead {
  if (bytes.byteLength === 0) return { ok: false, reason: 'empty file' };
  const newline = bytes.indexOf(0x0a);
  let payload = bytes;
  let verified = false;
  if (bytes.subarray(0, HEADER_START.length).toString('utf8') === HEADER_START) {
    if (newline < 0) return { ok: false, reason: `${bytes.byteLength} bytes, cut within its header line` };
    const first = bytes.subarray(0, newline).toString('utf8');
    let header: { sha256?: unknown; bytes?: unknown };
    try {
      header = JSON.parse(first);
    } catch {
      return { ok: false, reason: 'unreadable header line' };
    }
    payload = bytes.subarray(newline + 1);
    if (payload.at(-1) === 0x0a) payload = payload.subarray(0, -1);
    if (payload.byteLength !== header.bytes) {
      return {
        ok: false,
        reason: `${payload.byteLength} of ${String(header.bytes)} payload bytes (truncated or altered)`,
      };
    }
    if (sha256(payload) !== header.sha256) return { ok: false, reason: 'checksum mismatch (altered)' };
    verified = true;
  }
  let data: unknown;
  try {
    data = decodeJson(payload.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `not valid JSON (${(error as Error).message.slice(0, 80)})` };
  }
  const record = data as Record<string, unknown> | null;
  if (!record || typeof record !== 'object' || record.version !== 1) {
    return { ok: false, reason: 'not a checkpoint (no version 1)' };
  }
  if (!(record.params instanceof Float32Array)) return { ok: false, reason: 'no Float32Array params' };
  if (!Number.isInteger(record.iteration) || (record.iteration as number) < 0) {
    return { ok: false, reason: 'no iteration count' };
  }
  if (!record.params.every(Number.isFinite)) return { ok: false, reason: 'NaN or infinite parameters' };
  return { ok: true, data: record, verified };
}
