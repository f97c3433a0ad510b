/**
 * The hub between training's streams and the connected pages. One upstream is shared by every page: scenes are
 * replayed to late joiners (shareReplay), pose frames are sampled down to the display rate and encoded once
 * (sampleTime + share), and both are reference-counted, so with no page watching, the cold display streams are not
 * subscribed and nothing is simulated for display. Metrics and adaptation (hot) are kept in a bounded history for
 * pages that join late; a replay's current task (`adapting`) goes to every page, the latest also to pages that join
 * later, with each page's connection id, so every page can say who chose it. A heartbeat pings every page and drops the ones that did not answer the last ping.
 */
import { map, type Observable, Subscription, sampleTime, share, shareReplay, tap } from 'rxjs';
import type WebSocket from 'ws';
import { z } from 'zod';
import { parseWith, TerrariumError } from '../core/errors.js';
import { listEnvs } from '../envs/registry.js';
import type { TrainingStreams, WorkersEvent } from '../meta/events.js';
import { ClientConnection, type ConnectionHost, type ConnectionLimits } from './client-connection.js';
import {
  type ClientMessage,
  type ControlMessage,
  encodeFrame,
  type HelloMessage,
  PROTOCOL_VERSION,
  type ServerMessage,
  STREAM_NAMES,
  type StateMessage,
} from './protocol.js';
import type { TaskControl } from './task-controls.js';

export interface HubOptions extends ConnectionLimits {
  streams: TrainingStreams;
  /** Pose frames per second sent to pages (frames in between are skipped); Infinity sends every frame. */
  displayHz: number;
  heartbeatMs: number;
  /** Metrics and adaptation events kept for pages that connect later. */
  historySize: number;
  onControl?: (message: ControlMessage) => void;
  taskSchema?: z.ZodType;
  /** A page's task, valid for the schema; throwing refuses it (the error goes back to that page). */
  onTask?: (task: unknown, sender: { connectionId: number }) => void;
  taskControls?: TaskControl[];
}

export interface HubStats {
  connections: number;
  /** Pages currently watching the display (the upstream is subscribed while this is > 0). */
  watching: number;
  framesEncoded: number;
  framesSent: number;
  framesDropped: number;
  /** The most bytes queued for any one page right now. */
  maxBufferedAmount: number;
}

export class ViewerHub implements ConnectionHost {
  readonly connections = new Set<ClientConnection>();
  private readonly scene$: Observable<string>;
  private readonly frame$: Observable<Buffer>;
  private readonly history = { metrics: [] as string[], adaptation: [] as string[] };
  private readonly upstream = new Subscription();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly hello: Omit<HelloMessage, 'connectionId'>;
  private workers: WorkersEvent | undefined;
  private adapting: string | undefined;
  private readonly ids = new WeakMap<ClientConnection, number>();
  private nextId = 1;
  private readonly shared: Pick<StateMessage, 'speed' | 'select'> = { speed: 1, select: {} };
  private watching = 0;
  private framesEncoded = 0;
  private closedStats = { framesSent: 0, framesDropped: 0 };

  constructor(private readonly options: HubOptions) {
    const { streams, displayHz } = options;
    this.scene$ = streams.scenes$.pipe(
      map((event) => JSON.stringify({ type: 'scene', ...event })),
      shareReplay({ bufferSize: 1, refCount: true }),
    );
    const frames = Number.isFinite(displayHz)
      ? streams.frames$.pipe(sampleTime(1000 / displayHz))
      : streams.frames$;
    this.frame$ = frames.pipe(
      map(encodeFrame),
      tap(() => this.framesEncoded++),
      share(),
    );
    this.upstream.add(
      streams.metrics$.subscribe((event) => this.publish('metrics', { type: 'metrics', ...event })),
    );
    this.upstream.add(
      streams.adaptation$.subscribe((event) => this.publish('adaptation', { type: 'adaptation', ...event })),
    );
    if (streams.workers$) this.upstream.add(streams.workers$.subscribe((w) => (this.workers = w)));
    if (streams.adapting$) {
      this.upstream.add(
        streams.adapting$.subscribe((event) => {
          this.adapting = JSON.stringify({ type: 'adapting', ...event });
          for (const connection of this.connections) connection.sendText(this.adapting);
        }),
      );
    }
    this.hello = this.makeHello();
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  add(ws: WebSocket): ClientConnection {
    const connection = new ClientConnection(ws, this, this.options);
    const connectionId = this.nextId++;
    this.ids.set(connection, connectionId);
    this.connections.add(connection);
    ws.on('close', () => {
      this.connections.delete(connection);
      this.closedStats.framesSent += connection.stats.framesSent;
      this.closedStats.framesDropped += connection.stats.framesDropped;
    });
    const hello = { ...this.hello, connectionId, ...(this.workers ? { workers: this.workers } : {}) };
    connection.sendText(JSON.stringify(hello));
    if (this.adapting) connection.sendText(this.adapting);
    return connection;
  }

  watchDisplay(connection: ClientConnection): Subscription {
    const subscription = new Subscription();
    const onError = (error: unknown) => connection.sendError(error);
    this.watching++;
    subscription.add(() => this.watching--);
    subscription.add(this.scene$.subscribe({ next: (text) => connection.sendScene(text), error: onError }));
    subscription.add(this.frame$.subscribe({ next: (frame) => connection.sendFrame(frame), error: onError }));
    return subscription;
  }

  replay(connection: ClientConnection, stream: 'metrics' | 'adaptation'): void {
    for (const text of this.history[stream]) connection.sendText(text);
  }

  stateOf(connection: ClientConnection): ServerMessage {
    return { type: 'state', streams: [...connection.streams], paused: connection.paused, ...this.shared };
  }

  apply(connection: ClientConnection, message: ClientMessage): void {
    if (message.type === 'task') {
      const { taskSchema, onTask } = this.options;
      if (!taskSchema || !onTask) {
        throw new TerrariumError('task', message.task, 'no task message: this server shows live training');
      }
      const task = parseWith(taskSchema, message.task, 'task');
      onTask(task, { connectionId: this.ids.get(connection)! });
      connection.send({ type: 'taskAccepted', task });
      return;
    }
    if (message.type !== 'speed' && message.type !== 'select') return;
    // The producer may refuse (a task index it does not have): its TerrariumError goes back to this page.
    this.options.onControl?.(message);
    if (message.type === 'speed') this.shared.speed = message.value;
    else this.shared.select = { ...this.shared.select, ...withoutType(message) };
    for (const other of this.connections) other.send(this.stateOf(other));
  }

  stats(): HubStats {
    let framesSent = this.closedStats.framesSent;
    let framesDropped = this.closedStats.framesDropped;
    let maxBufferedAmount = 0;
    for (const connection of this.connections) {
      framesSent += connection.stats.framesSent;
      framesDropped += connection.stats.framesDropped;
      maxBufferedAmount = Math.max(maxBufferedAmount, connection.ws.bufferedAmount);
    }
    return {
      connections: this.connections.size,
      watching: this.watching,
      framesEncoded: this.framesEncoded,
      framesSent,
      framesDropped,
      maxBufferedAmount,
    };
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.upstream.unsubscribe();
    for (const connection of this.connections) {
      connection.dispose();
      connection.ws.close(1001, 'server shutting down');
    }
  }

  private publish(stream: 'metrics' | 'adaptation', message: ServerMessage): void {
    const text = JSON.stringify(message);
    const kept = this.history[stream];
    kept.push(text);
    if (kept.length > this.options.historySize) kept.splice(0, kept.length - this.options.historySize);
    for (const connection of this.connections) if (connection.streams.has(stream)) connection.sendText(text);
  }

  private beat(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        connection.ws.terminate();
        continue;
      }
      connection.alive = false;
      connection.ws.ping();
    }
  }

  private makeHello(): Omit<HelloMessage, 'connectionId'> {
    const { streams, taskSchema, onTask, taskControls } = this.options;
    let schema: unknown;
    if (taskSchema) {
      try {
        schema = z.toJSONSchema(taskSchema, { unrepresentable: 'any' });
      } catch {
        schema = undefined;
      }
    }
    return {
      type: 'hello',
      version: PROTOCOL_VERSION,
      runs: [streams.info],
      envs: listEnvs().map(({ id, obsDim, actDim, taskParams, terrains }) => ({
        id,
        obsDim,
        actDim,
        taskParams,
        terrains,
      })),
      streams: STREAM_NAMES,
      displayHz: this.options.displayHz,
      acceptsTask: Boolean(taskSchema && onTask),
      ...(schema === undefined ? {} : { taskSchema: schema }),
      ...(taskControls ? { taskControls } : {}),
    };
  }
}

function withoutType<T extends { type: string }>(message: T): Omit<T, 'type'> {
  const { type: _type, ...rest } = message;
  return rest;
}
