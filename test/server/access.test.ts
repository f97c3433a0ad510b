import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type AccessPolicy, checkUpgrade, generateToken, isLoopbackHost } from '../../src/server/access.js';

/** A real (unconnected) upgrade request with the given headers and URL. */
function request(headers: Record<string, string>, url = '/'): IncomingMessage {
  const message = new IncomingMessage(new Socket());
  message.headers = headers;
  message.url = url;
  return message;
}

const LOOPBACK: AccessPolicy = { loopbackOnly: true };
const ANYWHERE: AccessPolicy = { loopbackOnly: false, token: 's3cret-token' };

describe('who may open the viewer WebSocket', () => {
  it('loopback hosts are 127.0.0.1, ::1 (bracketed or not) and localhost, in any case, and nothing else', () => {
    for (const host of ['127.0.0.1', '::1', '[::1]', 'localhost', 'LocalHost']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    // Only the brackets around an address are dropped, not one inside a name.
    const others = [
      '127.0.0.2',
      'localhost.evil.example',
      'evil.example',
      '',
      '[::1]x',
      '0.0.0.0',
      'local[host',
      'local]host',
    ];
    for (const host of others) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('on loopback a request to a loopback Host (any port) from no page or its own page is allowed', () => {
    for (const host of ['localhost:8080', '127.0.0.1:80', '[::1]:3000', 'localhost']) {
      expect(checkUpgrade(request({ host }), LOOPBACK), host).toBeNull();
      expect(checkUpgrade(request({ host, origin: `http://${host}` }), LOOPBACK), host).toBeNull();
      expect(checkUpgrade(request({ host, origin: `https://${host}` }), LOOPBACK), host).toBeNull();
    }
  });

  it('on loopback a Host naming another machine is refused (DNS rebinding), a missing Host too', () => {
    expect(checkUpgrade(request({ host: 'evil.example:8080' }), LOOPBACK)).toEqual({
      status: 403,
      reason: 'Host "evil.example:8080" is not loopback',
    });
    expect(checkUpgrade(request({}), LOOPBACK)).toEqual({ status: 403, reason: 'Host "" is not loopback' });
    expect(checkUpgrade(request({ host: 'localhost:80x' }), LOOPBACK)?.status).toBe(403);
  });

  it('a page of another origin is refused, on loopback and off it', () => {
    const host = 'localhost:8080';
    for (const origin of ['http://evil.example', 'http://localhost:9999', 'null', `ws://${host}`]) {
      expect(checkUpgrade(request({ host, origin }), LOOPBACK)).toEqual({
        status: 403,
        reason: `Origin ${JSON.stringify(origin)} is not this server (${host})`,
      });
    }
    const remote = { host: 'viewer.lab:8080', origin: 'http://evil.example' };
    expect(checkUpgrade(request(remote, '/?token=s3cret-token'), ANYWHERE)?.status).toBe(403);
  });

  it('off loopback any Host may connect, with the token and only with it', () => {
    const host = { host: 'viewer.lab:8080' };
    expect(checkUpgrade(request(host, '/?token=s3cret-token'), ANYWHERE)).toBeNull();
    expect(checkUpgrade(request(host), ANYWHERE)).toEqual({ status: 401, reason: 'missing access token' });
    expect(checkUpgrade(request(host, '/?token='), ANYWHERE)).toEqual({
      status: 401,
      reason: 'missing access token',
    });
    for (const token of ['s3cret-tokeN', 's3cret-toke', 's3cret-token-and-more']) {
      expect(checkUpgrade(request(host, `/?token=${token}`), ANYWHERE), token).toEqual({
        status: 401,
        reason: 'wrong access token',
      });
    }
  });

  it('a token policy on loopback still wants the token', () => {
    const policy = { loopbackOnly: true, token: 'abc' };
    expect(checkUpgrade(request({ host: 'localhost:1' }), policy)?.status).toBe(401);
    expect(checkUpgrade(request({ host: 'localhost:1' }, '/x?token=abc'), policy)).toBeNull();
  });

  it('tokens are 32 URL-safe characters (24 random bytes), a new one each time', () => {
    const [a, b] = [generateToken(), generateToken()];
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(b).not.toBe(a);
  });
});
