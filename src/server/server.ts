/**
 * The live viewer's server: one port serves the bundled page (viewer/dist) and the WebSocket at `/ws`
 * (protocol in docs/protocol.md). Binds 127.0.0.1 unless told otherwise; bound anywhere else it requires an access
 * token (generated and put in the printed URL unless given). Training never waits for it: see ViewerHub.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { z } from 'zod';
import { TerrariumError } from '../core/errors.js';
import type { TrainingStreams } from '../meta/events.js';
import { checkUpgrade, generateToken, isLoopbackHost } from './access.js';
import { type HubStats, ViewerHub } from './hub.js';
import type { ControlMessage } from './protocol.js';
import { makeStaticHandler } from './static-files.js';
import type { TaskControl } from './task-controls.js';

export interface ViewerServerOptions {
  streams: TrainingStreams;
  /** 0 picks a free port. */
  port?: number;
  /** Interface to bind (default 127.0.0.1). Anything but loopback requires a token. */
  host?: string;
  /** Access token; required in the WebSocket URL when set. Generated when `host` is not loopback. */
  token?: string;
  /** Largest message (bytes) a page may send; a bigger one closes its connection with 1009. */
  maxPayload?: number;
  /** Called with every valid `select` / `speed` message, for the producer of the shown episode. */
  onControl?: (message: ControlMessage) => void;
  /** The env's task schema; with `onTask`, pages may send `task` messages (validated with it). */
  taskSchema?: z.ZodType;
  /** A page's task (valid for taskSchema) and the page that sent it; throwing refuses it. */
  onTask?: (task: unknown, sender: { connectionId: number }) => void;
  /** The task controls a page draws (task-controls.ts). */
  taskControls?: TaskControl[];
  /** Pose frames per second sent to pages (default 30); Infinity sends every frame. */
  displayHz?: number;
  /** Ping interval; a page that has not answered the previous ping is dropped (default 15 s). */
  heartbeatMs?: number;
  /** Bytes queued for a page above which pose frames for it are dropped (default 256 KiB). */
  highWaterMark?: number;
  /** Bytes queued for a page above which it is disconnected (default 16 MiB). */
  maxBufferedBytes?: number;
  /** Metrics and adaptation events replayed to late joiners (default 5000 each). */
  historySize?: number;
  /** Directory of the built page (default viewer/dist). */
  staticDir?: string;
}

export interface ViewerServer {
  /** The page's address (with `?token=` when a token is required). */
  url: string;
  port: number;
  host: string;
  token?: string;
  stats(): HubStats;
  close(): Promise<void>;
}

export const DEFAULT_MAX_PAYLOAD = 64 * 1024;

/** Checks the port and token (what startViewerServer would refuse) without binding anything. */
export function checkViewerOptions(options: { port?: number; token?: string }): void {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TerrariumError('port', port, 'an integer in [0, 65535]');
  }
  if (options.token !== undefined && !/^[A-Za-z0-9_-]{8,128}$/.test(options.token)) {
    throw new TerrariumError('token', options.token, '8 to 128 characters of A-Z, a-z, 0-9, _ or -');
  }
}

export async function startViewerServer(options: ViewerServerOptions): Promise<ViewerServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  checkViewerOptions(options);
  const loopback = isLoopbackHost(host);
  const token = options.token ?? (loopback ? undefined : generateToken());
  const hub = new ViewerHub({
    streams: options.streams,
    displayHz: options.displayHz ?? 30,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    highWaterMark: options.highWaterMark ?? 256 * 1024,
    maxBufferedBytes: options.maxBufferedBytes ?? 16 * 1024 * 1024,
    historySize: options.historySize ?? 5000,
    onControl: options.onControl,
    taskSchema: options.taskSchema,
    onTask: options.onTask,
    taskControls: options.taskControls,
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    perMessageDeflate: false,
  });
  const serveStatic = makeStaticHandler(options.staticDir);
  const server = createServer((request, response) => {
    serveStatic(request, response).catch(() => response.writeHead(500).end());
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const path = new URL(request.url ?? '/', 'http://viewer.invalid').pathname;
    const refusal = path === '/ws' ? checkUpgrade(request, { token, loopbackOnly: loopback }) : null;
    if (path !== '/ws' || refusal) {
      const status = refusal?.status ?? 404;
      const reason = refusal?.reason ?? 'no WebSocket here; use /ws';
      socket.end(
        `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Forbidden'}\r\n` +
          `Content-Type: text/plain\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => hub.add(ws));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new TerrariumError('port', port, 'a free port', `${host}:${port}: ${error.code ?? error.message}`),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? hostname() : host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${boundPort}/${token ? `?token=${token}` : ''}`;
  let closing: Promise<void> | null = null;
  return {
    url,
    port: boundPort,
    host,
    token,
    stats: () => hub.stats(),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
        // Pages got a 1001 close frame; whoever has not finished the closing handshake soon is cut off.
        setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
          wss.close();
        }, 200).unref();
      });
      return closing;
    },
  };
}
