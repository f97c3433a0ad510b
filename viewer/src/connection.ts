/**
 * The WebSocket to the server at /ws (same origin, token from the page URL), reconnecting with exponential
 * backoff (0.25 s doubling to 5 s) whenever it drops, e.g. when the training process restarts.
 */
import { type Frame, PROTOCOL_VERSION, readFrame, type ServerMessage } from './protocol.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface ConnectionHandlers {
  onOpen(): void;
  onMessage(message: ServerMessage): void;
  onFrame(frame: Frame): void;
  onState(state: ConnectionState, detail: string): void;
}

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5000;

export class Connection {
  private ws: WebSocket | null = null;
  private backoff = MIN_BACKOFF_MS;
  private readonly url: string;

  constructor(private readonly handlers: ConnectionHandlers) {
    const token = new URLSearchParams(location.search).get('token');
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.url = `${scheme}//${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    this.open();
  }

  send(message: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private open(): void {
    this.handlers.onState('connecting', this.url.replace(/token=[^&]+/, 'token=…'));
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.backoff = MIN_BACKOFF_MS;
      this.handlers.onState('open', '');
      this.handlers.onOpen();
    };
    ws.onmessage = (event: MessageEvent) => {
      if (event.data instanceof ArrayBuffer) {
        const frame = readFrame(event.data);
        if (frame) this.handlers.onFrame(frame);
        return;
      }
      const message = JSON.parse(event.data as string) as ServerMessage;
      if (message.type === 'hello' && message.version !== PROTOCOL_VERSION) {
        this.handlers.onState(
          'closed',
          `server speaks protocol ${message.version}, page ${PROTOCOL_VERSION}`,
        );
      }
      this.handlers.onMessage(message);
    };
    ws.onclose = (event: CloseEvent) => {
      this.ws = null;
      const wait = this.backoff;
      this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
      this.handlers.onState('closed', `closed (${event.code}); retrying in ${(wait / 1000).toFixed(1)} s`);
      setTimeout(() => this.open(), wait);
    };
  }
}
