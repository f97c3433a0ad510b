/**
 * Who may open the viewer's WebSocket. On loopback (the default) anyone on this machine may, as long as the
 * request really targets loopback (a `Host` of localhost/127.0.0.1/[::1]: this stops DNS rebinding) and comes from
 * the page itself (`Origin`, when sent, is this server). Bound anywhere else, the upgrade must also carry the access
 * token (`?token=`), compared in constant time.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.replace(/^\[|\]$/g, '').toLowerCase());
}

/** 32 random bytes as URL-safe text. */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

export interface AccessPolicy {
  /** Required in `?token=` when set. */
  token?: string;
  /** Accept only `Host` headers naming loopback (when bound to loopback). */
  loopbackOnly: boolean;
}

/** Why an upgrade is refused (an HTTP status and a one-line reason), or null when it is allowed. */
export function checkUpgrade(
  request: IncomingMessage,
  policy: AccessPolicy,
): { status: number; reason: string } | null {
  const hostHeader = request.headers.host ?? '';
  const hostName = hostHeader.replace(/:\d+$/, '');
  if (policy.loopbackOnly && !isLoopbackHost(hostName)) {
    return { status: 403, reason: `Host ${JSON.stringify(hostHeader)} is not loopback` };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${hostHeader}` && origin !== `https://${hostHeader}`) {
    return { status: 403, reason: `Origin ${JSON.stringify(origin)} is not this server (${hostHeader})` };
  }
  if (policy.token !== undefined) {
    const url = new URL(request.url ?? '/', 'http://viewer.invalid');
    const given = url.searchParams.get('token') ?? '';
    if (!sameText(given, policy.token)) {
      return { status: 401, reason: given === '' ? 'missing access token' : 'wrong access token' };
    }
  }
  return null;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
