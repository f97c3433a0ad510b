/**
 * Serves the bundled page (viewer/dist, built by scripts/build-viewer.mjs) from the same port as the WebSocket.
 * Only files that exist under the directory are served; everything is same-origin (no CDN), which the
 * Content-Security-Policy states.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** viewer/dist relative to this module: src/server/ (tsx) and dist/server/ (built) are both two levels down. */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../viewer/dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:",
};

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>Terrarium viewer</title>
<p>The viewer page is not built. Run <code>npm run build</code> (or <code>node scripts/build-viewer.mjs</code>)
and reload. The WebSocket at <code>/ws</code> is up.</p>`;

export function makeStaticHandler(dir: string = DEFAULT_STATIC_DIR) {
  const root = resolve(dir);
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', ...SECURITY_HEADERS }).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://viewer.invalid').pathname);
    } catch {
      response.writeHead(400, SECURITY_HEADERS).end('bad path');
      return;
    }
    const file = resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
    if (!file.startsWith(root + sep)) {
      response.writeHead(404, SECURITY_HEADERS).end('not found');
      return;
    }
    if (pathname === '/' && !existsSync(file)) {
      response
        .writeHead(200, { 'Content-Type': CONTENT_TYPES['.html']!, ...SECURITY_HEADERS })
        .end(NOT_BUILT_PAGE);
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, {
        'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'Cache-Control': 'no-cache',
        ...SECURITY_HEADERS,
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      response.writeHead(404, SECURITY_HEADERS).end('not found');
    }
  };
}
