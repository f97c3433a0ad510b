/** The page's side of docs/protocol.md: message types (shared with the server) and the binary frame reader. */
export type { SceneDescription, ShapeDescription } from '../../src/envs/env.js';
export type {
  AdaptationMessage,
  AdaptingMessage,
  ErrorMessage,
  HelloMessage,
  MetricsMessage,
  SceneMessage,
  ServerMessage,
  StateMessage,
  TaskAcceptedMessage,
} from '../../src/server/protocol.js';
export type { TaskControl } from '../../src/server/task-controls.js';

export const PROTOCOL_VERSION = 1;
const FRAME_KIND = 1;
const FRAME_HEADER_BYTES = 24;

export interface Frame {
  episode: number;
  step: number;
  reward: number;
  episodeReturn: number;
  /** 7 floats per body: x, y, z, qx, qy, qz, qw. A view into the message: copy it to keep it. */
  poses: Float32Array;
}

export function readFrame(buffer: ArrayBuffer): Frame | null {
  if (buffer.byteLength < FRAME_HEADER_BYTES) return null;
  const view = new DataView(buffer);
  if (view.getUint32(0, true) !== FRAME_KIND) return null;
  const bodies = view.getUint32(20, true);
  if (buffer.byteLength < FRAME_HEADER_BYTES + bodies * 28) return null;
  return {
    episode: view.getUint32(4, true),
    step: view.getUint32(8, true),
    reward: view.getFloat32(12, true),
    episodeReturn: view.getFloat32(16, true),
    poses: new Float32Array(buffer, FRAME_HEADER_BYTES, bodies * 7),
  };
}
