/** Real WebSocket clients for the viewer server tests: one that reads everything, one that never reads. */
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { type DecodedFrame, decodeFrame } from '../../src/server/protocol.js';

export interface Received {
  type: string;
  [key: string]: unknown;
}

export class TestClient {
  readonly messages: Received[] = [];
  readonly frames: DecodedFrame[] = [];
  closeCode: number | null = null;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.frames.push(decodeFrame(data as Buffer));
      else this.messages.push(JSON.parse(String(data)));
      this.notify();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.notify();
    });
    ws.on('error', () => {});
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  ofType(type: string): Received[] {
    return this.messages.filter((m) => m.type === type);
  }

  /** Resolves when `done()` holds, checking after every message; rejects after `timeoutMs`. */
  until<T>(done: () => T | undefined | false | null, timeoutMs = 5000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = () => {
        const value = done();
        if (value) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(value);
        }
      };
      this.waiters.push(check);
      check();
    });
  }

  /** The first message of `type` after the first `skip` of them. */
  next(type: string, skip = this.ofType(type).length, timeoutMs = 5000): Promise<Received> {
    return this.until(() => this.ofType(type)[skip], timeoutMs, `a "${type}" message`);
  }

  close(): void {
    this.ws.terminate();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** The viewer's WebSocket URL for the page URL a server prints (`http://host:port/` -> `ws://host:port/ws`). */
export function socketUrl(pageUrl: string): string {
  return pageUrl.replace(/^http:(.*)\/$/, 'ws:$1/ws');
}

export function connectClient(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const client = new TestClient(ws);
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_request, response) =>
      reject(Object.assign(new Error(`refused: ${response.statusCode}`), { status: response.statusCode })),
    );
    ws.once('error', reject);
  });
}

/** Opens the WebSocket by hand, sends `messages` as masked text frames, then never reads another byte. */
export function connectStalledClient(port: number, messages: unknown[]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1', () => {
      const key = randomBytes(16).toString('base64');
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      for (const message of messages) socket.write(maskedTextFrame(JSON.stringify(message)));
      socket.once('data', () => {
        socket.pause();
        resolve(socket);
      });
    });
    socket.on('error', reject);
  });
}

function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error('test frames are short');
  const mask = randomBytes(4);
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x81;
  frame[1] = 0x80 | payload.length;
  mask.copy(frame, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i % 4]!;
  return frame;
}
