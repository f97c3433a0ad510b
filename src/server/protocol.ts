/**
 * The viewer's wire protocol (docs/protocol.md): JSON text messages both ways, plus one binary message, `frame`,
 * from server to page. Everything a page sends is parsed here with zod; a bad message becomes a TerrariumError
 * whose `{ path, value, expected }` goes back to the page as an `error` message.
 */
import { z } from 'zod';
import { parseWith, TerrariumError } from '../core/errors.js';
import type {
  AdaptationEvent,
  AdaptingEvent,
  FrameEvent,
  MetricsEvent,
  RunInfo,
  SceneEvent,
  WorkersEvent,
} from '../meta/events.js';
import type { TaskControl } from './task-controls.js';

export const PROTOCOL_VERSION = 1;

/** The streams a page can subscribe to. `frames` brings `scene` messages and binary frames. */
export const STREAM_NAMES = ['frames', 'metrics', 'adaptation'] as const;
export type StreamName = (typeof STREAM_NAMES)[number];

/** Playback speed bounds of the shown episode (1 = real time). */
export const MIN_SPEED = 0.1;
export const MAX_SPEED = 8;

const subscribeSchema = z
  .object({ type: z.literal('subscribe'), streams: z.array(z.enum(STREAM_NAMES)).max(STREAM_NAMES.length) })
  .strict();
const selectSchema = z
  .object({
    type: z.literal('select'),
    /** Index of the task (in the meta-batch, or in the held-out set for `terrarium view`) to show. */
    taskIndex: z.number().int().min(0).max(1_000_000).optional(),
    /** Env copy of a vector env to show. */
    copy: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict();
const pauseSchema = z.object({ type: z.literal('pause') }).strict();
const resumeSchema = z.object({ type: z.literal('resume') }).strict();
const speedSchema = z
  .object({ type: z.literal('speed'), value: z.number().min(MIN_SPEED).max(MAX_SPEED) })
  .strict();
const taskSchema = z.object({ type: z.literal('task'), task: z.unknown() }).strict();

const clientSchemas = {
  subscribe: subscribeSchema,
  select: selectSchema,
  pause: pauseSchema,
  resume: resumeSchema,
  speed: speedSchema,
  task: taskSchema,
} as const;
export const CLIENT_MESSAGE_TYPES = Object.keys(clientSchemas) as (keyof typeof clientSchemas)[];
const typeSchema = z.object({ type: z.enum(CLIENT_MESSAGE_TYPES) });

export type SubscribeMessage = z.infer<typeof subscribeSchema>;
export type SelectMessage = z.infer<typeof selectSchema>;
export type SpeedMessage = z.infer<typeof speedSchema>;
export type TaskMessage = z.infer<typeof taskSchema>;
export type ClientMessage =
  | SubscribeMessage
  | SelectMessage
  | z.infer<typeof pauseSchema>
  | z.infer<typeof resumeSchema>
  | SpeedMessage
  | TaskMessage;
/** The control messages that change the shown episode; forwarded to the producer through `onControl`. */
export type ControlMessage = Exclude<ClientMessage, SubscribeMessage | TaskMessage>;

/** Parses one text message from a page; throws a TerrariumError naming the bad field. */
export function parseClientMessage(text: string): ClientMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // Only a prefix of the text is quoted back (V8's parse error quotes the input too).
    const shown = text.length > 200 ? `${text.slice(0, 200)}... (${text.length} characters)` : text;
    throw new TerrariumError('message', shown, 'a JSON object', (error as Error).message.slice(0, 100));
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new TerrariumError('message', json, 'a JSON object with a "type" field');
  }
  const { type } = parseWith(typeSchema, json, 'message');
  return parseWith(clientSchemas[type] as z.ZodType<ClientMessage>, json, type);
}

/** What a page is told first. */
export interface HelloMessage {
  type: 'hello';
  version: number;
  runs: RunInfo[];
  envs: { id: string; obsDim: number; actDim: number; taskParams: string[]; terrains: string[] }[];
  streams: readonly StreamName[];
  /** Frames per second the server samples pose frames to. */
  displayHz: number;
  /** Whether `task` messages are accepted (in `terrarium view`), and the JSON Schema they are validated with. */
  acceptsTask: boolean;
  taskSchema?: unknown;
  /** One control per task field, with the bounds the server accepts and the run's training values. */
  taskControls?: TaskControl[];
  /** This page's connection id, as other pages see it named as a task's sender. */
  connectionId: number;
  /** A run whose jobs go to a queue: its `terrarium worker` processes and jobs, as last sampled. */
  workers?: WorkersEvent;
}

export type SceneMessage = { type: 'scene' } & SceneEvent;

export type MetricsMessage = { type: 'metrics' } & MetricsEvent;
export type AdaptationMessage = { type: 'adaptation' } & AdaptationEvent;
/** Sent to every page when the replay starts adapting to a task (the latest one also on connecting). */
export type AdaptingMessage = { type: 'adapting' } & AdaptingEvent;

/** The per-connection view of the controls, sent after every accepted control message. */
export interface StateMessage {
  type: 'state';
  streams: StreamName[];
  paused: boolean;
  speed: number;
  select: { taskIndex?: number; copy?: number };
}

export interface TaskAcceptedMessage {
  type: 'taskAccepted';
  task: unknown;
}

export interface ErrorMessage {
  type: 'error';
  path: string;
  value: unknown;
  expected: string;
  message: string;
}

export type ServerMessage =
  | HelloMessage
  | SceneMessage
  | MetricsMessage
  | AdaptationMessage
  | AdaptingMessage
  | StateMessage
  | TaskAcceptedMessage
  | ErrorMessage;

/**
 * Binary `frame`: a little-endian header of six 32-bit fields, then the poses, so a page reads them in place as a
 * Float32Array at byte offset FRAME_HEADER_BYTES.
 *   u32 kind (FRAME_KIND = 1) | u32 episode | u32 step | f32 reward | f32 episodeReturn | u32 bodies | f32 poses[7 * bodies]
 */
export const FRAME_KIND = 1;
export const FRAME_HEADER_BYTES = 24;
export const FLOATS_PER_BODY = 7;

export function encodeFrame(frame: FrameEvent): Buffer {
  const bodies = Math.floor(frame.poses.length / FLOATS_PER_BODY);
  const buffer = Buffer.alloc(FRAME_HEADER_BYTES + bodies * FLOATS_PER_BODY * 4);
  buffer.writeUInt32LE(FRAME_KIND, 0);
  buffer.writeUInt32LE(frame.episode >>> 0, 4);
  buffer.writeUInt32LE(frame.step >>> 0, 8);
  buffer.writeFloatLE(frame.reward, 12);
  buffer.writeFloatLE(frame.episodeReturn, 16);
  buffer.writeUInt32LE(bodies, 20);
  const poses = new Float32Array(
    buffer.buffer,
    buffer.byteOffset + FRAME_HEADER_BYTES,
    bodies * FLOATS_PER_BODY,
  );
  poses.set(frame.poses.subarray(0, bodies * FLOATS_PER_BODY));
  return buffer;
}

export interface DecodedFrame {
  episode: number;
  step: number;
  reward: number;
  episodeReturn: number;
  poses: Float32Array;
}

/** Reads a binary frame (the page has its own copy of this in viewer/src/protocol.ts). */
export function decodeFrame(data: ArrayBuffer | Uint8Array): DecodedFrame {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < FRAME_HEADER_BYTES || view.getUint32(0, true) !== FRAME_KIND) {
    throw new TerrariumError('frame', `${bytes.byteLength} bytes`, `a binary frame of kind ${FRAME_KIND}`);
  }
  const bodies = view.getUint32(20, true);
  const poses = new Float32Array(bodies * FLOATS_PER_BODY);
  if (bytes.byteLength < FRAME_HEADER_BYTES + poses.byteLength) {
    throw new TerrariumError(
      'frame',
      `${bytes.byteLength} bytes`,
      `${FRAME_HEADER_BYTES + poses.byteLength} bytes`,
    );
  }
  for (let i = 0; i < poses.length; i++) poses[i] = view.getFloat32(FRAME_HEADER_BYTES + 4 * i, true);
  return {
    episode: view.getUint32(4, true),
    step: view.getUint32(8, true),
    reward: view.getFloat32(12, true),
    episodeReturn: view.getFloat32(16, true),
    poses,
  };
}
