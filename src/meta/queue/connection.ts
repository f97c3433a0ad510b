/**
 * Where the queue lives: a `redis://[user:pass@]host:port[/db]` or `rediss://` (TLS) URL, with `--queue-ca FILE`
 * for a server certificate signed by a private CA, checked once where it enters, and turned into the connection
 * options that BullMQ hands to ioredis. A password never appears in a message: URLs are shown redacted.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { TerrariumError } from '../../core/errors.js';

export interface QueueConnection {
  /** The URL with its password replaced by "***" (for messages and logs). */
  shown: string;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** With tls: the PEM certificates of the CA(s) to trust instead of Node's own list (`--queue-ca`). */
  ca?: string;
}

const EXPECTED = 'a redis://[user:pass@]host:port[/db] or rediss:// (TLS) URL';

export function parseQueueUrl(text: string, flag = '--queue'): QueueConnection {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TerrariumError(flag, redact(text), EXPECTED);
  }
  const shown = redact(text);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new TerrariumError(flag, shown, EXPECTED);
  if (url.hostname === '') throw new TerrariumError(flag, shown, EXPECTED, 'no host');
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!/^\d{0,2}$/.test(dbText) || db > 15) {
    throw new TerrariumError(`${flag} (database)`, dbText, 'a Redis database number in [0, 15]');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TerrariumError(flag, shown, EXPECTED, 'no query string or fragment');
  }
  return {
    shown,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    db,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    tls: url.protocol === 'rediss:',
  };
}

/** Where a password may come from instead of the URL, to keep it off command lines (`ps` shows those to all). */
export const PASSWORD_ENV = 'TERRARIUM_QUEUE_PASSWORD';

/**
 * `--queue URL [--queue-ca FILE]`: the URL's connection, with the password of `TERRARIUM_QUEUE_PASSWORD` if set,
 * trusting the CA file's certificates for TLS.
 */
export function queueConnection(
  url: string,
  caFile?: string,
  env: NodeJS.ProcessEnv = process.env,
): QueueConnection {
  const connection = withPassword(parseQueueUrl(url), env[PASSWORD_ENV]);
  if (caFile === undefined) return connection;
  if (!connection.tls) {
    throw new TerrariumError(
      '--queue-ca',
      caFile,
      'a rediss:// (TLS) --queue URL to go with it',
      `--queue is ${connection.shown}`,
    );
  }
  let ca: string;
  try {
    ca = readFileSync(caFile, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new TerrariumError('--queue-ca', caFile, 'a readable PEM file of CA certificates', code ?? message);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw new TerrariumError(
      '--queue-ca',
      caFile,
      'a PEM file of CA certificates',
      'no "-----BEGIN CERTIFICATE-----" in it',
    );
  }
  return { ...connection, ca };
}

function withPassword(c: QueueConnection, password: string | undefined): QueueConnection {
  if (password === undefined || password === '') return c;
  if (c.password !== undefined) {
    throw new TerrariumError('--queue', c.shown, `a URL without a password, as ${PASSWORD_ENV} gives one`);
  }
  const url = new URL(c.shown);
  url.password = 'x';
  return { ...c, password, shown: redact(url.toString()) };
}

/** Everything from the user's colon to the last `@` goes: a password may hold `@` or `/` (a URL that then fails). */
function redact(text: string): string {
  return text.replace(/^(\w+:\/\/[^:@/]*:).*@/, '$1***@');
}

/** ioredis options (through BullMQ's `connection`): reconnects every 0.2-2 s, for as long as it takes. */
export function redisOptions(c: QueueConnection, blocking: boolean) {
  return {
    host: c.host,
    port: c.port,
    db: c.db,
    ...(c.username ? { username: c.username } : {}),
    ...(c.password ? { password: c.password } : {}),
    ...(c.tls ? { tls: tlsOptions(c) } : {}),
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
    // Workers block on Redis and must wait through an outage; the trainer's own calls fail fast and it retries.
    maxRetriesPerRequest: blocking ? null : 1,
    enableOfflineQueue: blocking,
    connectTimeout: 5000,
  };
}

/** The server's certificate is checked against `ca` (or Node's CAs) and the URL's host, a name or an IP address. */
function tlsOptions(c: QueueConnection) {
  return {
    // Node refuses an IP address as the SNI server name (RFC 6066) and checks an IP host against the IP SANs.
    ...(isIP(c.host) === 0 ? { servername: c.host } : {}),
    ...(c.ca !== undefined ? { ca: c.ca } : {}),
  };
}

/**
 * One connection attempt, no retries: an unreachable server or a wrong password is a one-line error at once (BullMQ's
 * own connections would retry for ever), before any queue is opened. `flag` names the option in the message.
 */
export async function checkRedis(c: QueueConnection, flag = '--queue'): Promise<void> {
  const client = new Redis({
    ...redisOptions(c, false),
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  // The cause (ECONNREFUSED, WRONGPASS) arrives as an 'error' event; the rejection only says the connection closed.
  let cause = '';
  client.on('error', (error: Error) => {
    cause ||= error.message;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new TerrariumError(
      flag,
      c.shown,
      'a reachable Redis server',
      shorter(cause || (error as Error).message, c.tls),
    );
  } finally {
    client.disconnect();
  }
}

/** Redis's reason, where it is long-winded, said in a few words (its first word, the error code, kept). */
function shorter(cause: string, tls: boolean): string {
  if (cause.startsWith('NOAUTH'))
    return 'NOAUTH: the server requires a password: redis://:PASSWORD@host:port';
  if (cause.includes('alert certificate required')) {
    return 'the server asks for a client certificate, which terrarium does not send: set tls-auth-clients no in redis.conf';
  }
  // Under TLS 1.3 the server's certificate-required alert can lose the race with the client's first write.
  if (tls && cause.includes('ECONNRESET')) {
    return `${cause}: the server closed the TLS connection (one that asks for a client certificate does: set tls-auth-clients no in redis.conf)`;
  }
  // OpenSSL's messages span lines; ours are one.
  return cause.replace(/\s+/g, ' ').trim();
}

/** The sorted set where trainers announce their queues (score: Redis's clock, ms) and workers look for them. */
export const RUNS_KEY = 'terrarium:runs';
/** A queue not announced for this long is the queue of a finished or dead trainer. */
export const ANNOUNCE_TTL_MS = 30_000;

/** The run's queue: named after the run, with a hash of its directory so runs with the same name stay apart. */
export function queueName(runId: string, runDir: string): string {
  const safe = runId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80);
  const hash = createHash('sha256').update(resolve(runDir)).digest('hex').slice(0, 8);
  return `terrarium-${safe}-${hash}`;
}
