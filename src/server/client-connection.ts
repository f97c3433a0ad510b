/**
 * One page connected over WebSocket: what it subscribed to, whether it paused, and sending with backpressure.
 * Pose frames are dropped while the socket's `bufferedAmount` is above `highWaterMark` (the newest frame waits and
 * wins); scenes, metrics and adaptation events are always queued, up to `maxBufferedBytes`, past which the page
 * is too far behind to catch up and is disconnected. Nothing here ever blocks the producer.
 */
import type { Subscription } from 'rxjs';
import WebSocket from 'ws';
import { TerrariumError } from '../core/errors.js';
import type { ClientMessage, ErrorMessage, ServerMessage, StreamName } from './protocol.js';
import { parseClientMessage } from './protocol.js';

export interface ConnectionLimits {
  highWaterMark: number;
  maxBufferedBytes: number;
}

/** What the connection needs from the hub that owns the shared streams. */
export interface ConnectionHost {
  /** Subscribes to the shared display (scene then frames); the hub shares one upstream among all pages. */
  watchDisplay(connection: ClientConnection): Subscription;
  /** Replays the kept metrics / adaptation history to a page that just subscribed to them. */
  replay(connection: ClientConnection, stream: 'metrics' | 'adaptation'): void;
  /** Applies a validated client message that concerns more than this page (select, speed, task). */
  apply(connection: ClientConnection, message: ClientMessage): void;
  stateOf(connection: ClientConnection): ServerMessage;
}

export interface ConnectionStats {
  framesSent: number;
  framesDropped: number;
  messagesSent: number;
}

const FLUSH_INTERVAL_MS = 20;
/** An error reply quotes at most this many characters of what the page sent (and of its message). */
export const QUOTE_CHARS = 200;

/** `value` as sent back in an error: itself when its JSON is short, else a prefix of that JSON (a string). */
function quote(value: unknown): unknown {
  const text = JSON.stringify(value) ?? 'null';
  return text.length <= QUOTE_CHARS ? value : `${text.slice(0, QUOTE_CHARS)}... (${text.length} characters)`;
}

function clip(text: string): string {
  return text.length <= 2 * QUOTE_CHARS ? text : `${text.slice(0, 2 * QUOTE_CHARS)}...`;
}

export class ClientConnection {
  readonly streams = new Set<StreamName>();
  paused = false;
  /** Cleared by each heartbeat, set by the pong; a connection still false at the next heartbeat is dead. */
  alive = true;
  readonly stats: ConnectionStats = { framesSent: 0, framesDropped: 0, messagesSent: 0 };
  private display: Subscription | null = null;
  private pendingFrame: Buffer | null = null;
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly ws: WebSocket,
    private readonly host: ConnectionHost,
    private readonly limits: ConnectionLimits,
  ) {
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    // A frame over maxPayload or a protocol violation: ws closes the socket (1009, 1002); nothing to rethrow.
    ws.on('error', () => {});
    ws.on('close', () => this.dispose());
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** JSON messages that must arrive (scene, metrics, adaptation, state, errors). */
  sendText(text: string): void {
    if (!this.open) return;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.ws.terminate();
      return;
    }
    this.ws.send(text);
    this.stats.messagesSent++;
  }

  send(message: ServerMessage): void {
    this.sendText(JSON.stringify(message));
  }

  /** A new episode: frames still waiting belong to the old one. */
  sendScene(text: string): void {
    if (this.pendingFrame) this.stats.framesDropped++;
    this.pendingFrame = null;
    this.sendText(text);
  }

  /** A pose frame: sent now, or kept as the newest while the socket is backed up. */
  sendFrame(frame: Buffer): void {
    if (!this.open) return;
    if (this.ws.bufferedAmount > this.limits.highWaterMark) {
      if (this.pendingFrame) this.stats.framesDropped++;
      this.pendingFrame = frame;
      this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
      return;
    }
    if (this.pendingFrame) this.stats.framesDropped++;
    this.pendingFrame = null;
    this.ws.send(frame);
    this.stats.framesSent++;
  }

  sendError(error: unknown): void {
    const message: ErrorMessage =
      error instanceof TerrariumError
        ? { type: 'error', ...error.toJSON() }
        : {
            type: 'error',
            path: 'server',
            value: null,
            expected: 'a request the server can carry out',
            message: error instanceof Error ? error.message : String(error),
          };
    this.send({
      ...message,
      path: clip(message.path),
      value: quote(message.value),
      expected: clip(message.expected),
      message: clip(message.message),
    });
  }

  /** Starts or stops watching the display so that it runs only for pages that subscribed and did not pause. */
  updateDisplay(): void {
    const wants = this.open && this.streams.has('frames') && !this.paused;
    if (wants && !this.display) this.display = this.host.watchDisplay(this);
    if (!wants && this.display) {
      this.display.unsubscribe();
      this.display = null;
      this.pendingFrame = null;
    }
  }

  dispose(): void {
    this.streams.clear();
    this.updateDisplay();
    this.display?.unsubscribe();
    this.display = null;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private flush(): void {
    this.flushTimer = null;
    const frame = this.pendingFrame;
    if (!frame || !this.open) return;
    this.pendingFrame = null;
    this.sendFrame(frame);
  }

  private receive(data: Buffer, isBinary: boolean): void {
    try {
      if (isBinary) {
        throw new TerrariumError('message', `${data.length} bytes of binary data`, 'a JSON text message');
      }
      const message = parseClientMessage(data.toString('utf8'));
      switch (message.type) {
        case 'subscribe': {
          const added = message.streams.filter((name) => !this.streams.has(name));
          this.streams.clear();
          for (const name of message.streams) this.streams.add(name);
          for (const name of added) if (name !== 'frames') this.host.replay(this, name);
          this.updateDisplay();
          this.send(this.host.stateOf(this));
          break;
        }
        case 'pause':
        case 'resume':
          this.paused = message.type === 'pause';
          this.updateDisplay();
          this.send(this.host.stateOf(this));
          break;
        default:
          this.host.apply(this, message);
      }
    } catch (error) {
      this.sendError(error);
    }
  }
}
