import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQueueUrl } from '../../src/meta/queue/connection.js';
import { createTrainer } from '../../src/meta/trainer.js';
import { startViewerServer } from '../../src/server/server.js';
import { sineConfigFile, tempDir, tinySine } from '../meta/helpers.js';
import { terrarium } from '../run-cli.js';
import { connectClient, socketUrl } from '../server/clients.js';
import { type RedisServer, startRedis, startWorker, type WorkerProcess } from './redis-server.js';
import { makeCertificates } from './tls-certs.js';

const PASSWORD = 'pw-9f3c1e7a-secret';
/** With an `@`, which a careless redaction would cut at (and show the rest). */
const WRONG = 'not@it-4711';
/** The password given the other way, in the environment (off the command line). */
const PASSWORD_IN_ENV = { ...process.env, TERRARIUM_QUEUE_PASSWORD: PASSWORD };

/** A config file for a queue run as small as one can be: 2 iterations of 2 sine tasks. */
function tinyConfigFile(): { dir: string; config: string } {
  const dir = tempDir();
  const config = sineConfigFile(dir, {
    iterations: 2,
    hidden: [4],
    inner: { steps: 1, lr: 0.02, points: 5, batchSize: 5 },
    evaluation: { steps: 1, points: 5, tasks: 2 },
    checkpointEvery: undefined,
  });
  return { dir, config };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The run's directory holds its files, and not one of them contains the password. */
function expectNoPasswordIn(runDir: string): void {
  const files = filesUnder(runDir);
  expect(files.map((file) => file.slice(runDir.length + 1))).toEqual(
    expect.arrayContaining(['config.json', 'metrics.jsonl']),
  );
  for (const file of files) expect(readFileSync(file).includes(PASSWORD), file).toBe(false);
}

function oneLine(stderr: string): string {
  expect(stderr.split('\n')).toHaveLength(2);
  return stderr;
}

// Each test runs the CLI several times (a few seconds each, more on a busy machine).
const SLOW = { timeout: 180_000 };

describe('a Redis with a password (requirepass)', SLOW, () => {
  let redis: RedisServer;
  let worker: WorkerProcess;
  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
    worker = await startWorker(`redis://127.0.0.1:${redis.port}`, [], PASSWORD_IN_ENV);
  });
  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await redis?.stop();
  });

  it('the password in the URL or in TERRARIUM_QUEUE_PASSWORD trains on a worker process; it is in no output and no file of the run', async () => {
    const { dir, config } = tinyConfigFile();
    const out = join(dir, 'run');
    const trained = await terrarium(['train', '--config', config, '--out', out, '--queue', redis.url]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout).toContain(`jobs on the queue at redis://:***@127.0.0.1:${redis.port}`);
    expect(worker.output()).toMatch(/terrarium-run-[0-9a-f]{8}: iteration 1, task \d+ done/);
    const json = await terrarium(
      ['pretrain', '--run', out, '--queue', `redis://127.0.0.1:${redis.port}`, '--json'],
      { env: PASSWORD_IN_ENV },
    );
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).toContain('"queue":{"workers":1');
    for (const text of [trained.stdout, trained.stderr, json.stdout, json.stderr, worker.output()])
      expect(text).not.toContain(PASSWORD);
    expectNoPasswordIn(out);
  });

  it("the viewer's hello of a queue run lists its worker, and not the URL's password", async () => {
    const trainer = await createTrainer({
      config: tinySine({ iterations: 40, metaBatchSize: 2 }),
      outDir: tempDir(),
      queue: { connection: parseQueueUrl(redis.url) },
    });
    const viewer = await startViewerServer({ streams: trainer.streams, port: 0 });
    const running = trainer.run();
    let hello = '';
    // The worker is seen at the first status sample, a second into the run.
    for (let attempt = 0; attempt < 40 && !hello.includes('"workers":1'); attempt++) {
      const page = await connectClient(socketUrl(viewer.url));
      hello = JSON.stringify(await page.next('hello', 0));
      page.close();
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    trainer.stop();
    await running;
    await viewer.close();
    expect(hello).toContain(`"names":["${worker.output().match(/^worker (\S+) on /m)![1]}"]`);
    expect(hello).not.toContain(PASSWORD);
  });

  it('a wrong, missing or doubly given password stops train and worker at once: one line naming --queue and the cause, no password', async () => {
    const { dir, config } = tinyConfigFile();
    const shown = `redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}`;
    const wrongUrl = redis.url.replace(PASSWORD, WRONG);
    const train = (url: string) =>
      terrarium(['train', '--config', config, '--out', join(dir, 'run'), '--queue', url]);
    const wrong = await train(wrongUrl);
    expect(wrong.code).toBe(2);
    expect(oneLine(wrong.stderr)).toMatch(
      new RegExp(
        `^terrarium: --queue: expected a reachable Redis server, got "${shown}" \\(WRONGPASS invalid username-password pair`,
      ),
    );
    const missing = await train(`redis://127.0.0.1:${redis.port}`);
    expect(missing.code).toBe(2);
    expect(oneLine(missing.stderr)).toMatch(
      /^terrarium: --queue: expected a reachable Redis server, got "redis:\/\/127\.0\.0\.1:\d+" \(NOAUTH: the server requires a password: redis:\/\/:PASSWORD@host:port\)/,
    );
    const lonely = await terrarium(['worker', '--queue', wrongUrl]);
    expect(lonely.code).toBe(2);
    expect(oneLine(lonely.stderr)).toMatch(new RegExp(`^terrarium: --queue: .*"${shown}" \\(WRONGPASS`));
    const twice = await terrarium(['worker', '--queue', redis.url], { env: PASSWORD_IN_ENV });
    expect(twice).toMatchObject({
      code: 2,
      stderr: `terrarium: --queue: expected a URL without a password, as TERRARIUM_QUEUE_PASSWORD gives one, got "redis://:***@127.0.0.1:${redis.port}"; see terrarium worker --help\n`,
    });
    // A password with a `/` breaks the URL; the message still shows none of it.
    const broken = await terrarium(['worker', '--queue', `redis://:pa/ss-${WRONG}@127.0.0.1:${redis.port}`]);
    expect(broken).toMatchObject({
      code: 2,
      stderr: `terrarium: --queue: expected a redis://[user:pass@]host:port[/db] or rediss:// (TLS) URL, got "redis://:***@127.0.0.1:${redis.port}"; see terrarium worker --help\n`,
    });
    for (const result of [wrong, missing, lonely, twice, broken]) {
      expect(result.stdout + result.stderr).not.toContain(WRONG);
      expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    }
    expect(existsSync(join(dir, 'run'))).toBe(false);
  });
});

describe('TLS: a rediss:// URL', SLOW, () => {
  // The certificate names 127.0.0.1 only; the server also listens on 127.0.0.2, an address it does not name.
  const certs = makeCertificates(['127.0.0.1']);
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD, tls: certs, bind: ['127.0.0.1', '127.0.0.2'] });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await redis?.stop();
  });

  it('trains over TLS: the CA given with --queue-ca or with NODE_EXTRA_CA_CERTS', async () => {
    expect(redis.url).toMatch(/^rediss:/);
    workers = await Promise.all([
      startWorker(redis.url, ['--queue-ca', certs.ca]),
      startWorker(redis.url, [], { ...process.env, NODE_EXTRA_CA_CERTS: certs.ca }),
    ]);
    const { dir, config } = tinyConfigFile();
    const out = join(dir, 'run');
    const trained = await terrarium([
      'train',
      '--config',
      config,
      '--out',
      out,
      '--queue',
      redis.url,
      '--queue-ca',
      certs.ca,
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout).toContain(`jobs on the queue at rediss://:***@127.0.0.1:${redis.port}`);
    const logs = workers.map((w) => w.output()).join('\n');
    expect(logs).toMatch(/terrarium-run-[0-9a-f]{8}: iteration 1, task \d+ done/);
    for (const text of [trained.stdout, trained.stderr, logs]) expect(text).not.toContain(PASSWORD);
    expectNoPasswordIn(out);
  });

  it('an untrusted certificate, one for another host, a plain redis:// URL, a server that wants a client certificate: one line each', async () => {
    const { dir, config } = tinyConfigFile();
    const train = (url: string, ...extra: string[]) =>
      terrarium(['train', '--config', config, '--out', join(dir, 'run'), '--queue', url, ...extra]);
    const untrusted = await train(redis.url);
    expect(untrusted.code).toBe(2);
    expect(oneLine(untrusted.stderr)).toMatch(
      /^terrarium: --queue: expected a reachable Redis server, got "rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+" \(self-signed certificate in certificate chain\)/,
    );
    const otherHost = await train(redis.url.replace('127.0.0.1', '127.0.0.2'), '--queue-ca', certs.ca);
    expect(otherHost.code).toBe(2);
    expect(oneLine(otherHost.stderr)).toMatch(
      /^terrarium: --queue: .*"rediss:\/\/:\*\*\*@127\.0\.0\.2:\d+" \(Hostname\/IP does not match certificate's altnames: IP: 127\.0\.0\.2 is not in the cert's list: 127\.0\.0\.1\)/,
    );
    const plain = await train(redis.url.replace(/^rediss:/, 'redis:'));
    expect(plain.code).toBe(2);
    expect(oneLine(plain.stderr)).toMatch(
      /^terrarium: --queue: expected a reachable Redis server, got "redis:/,
    );
    const mutual = await startRedis({ password: PASSWORD, tls: certs, clientCertificates: true });
    const noClientCertificate = await train(mutual.url, '--queue-ca', certs.ca).finally(() => mutual.stop());
    expect(noClientCertificate.code).toBe(2);
    expect(oneLine(noClientCertificate.stderr)).toMatch(
      // Which of the two depends on a race inside TLS 1.3: the server's alert or the client's write first.
      /^terrarium: --queue: .* \((the server asks for a client certificate, which terrarium does not send|write ECONNRESET: the server closed the TLS connection \(one that asks for a client certificate does): set tls-auth-clients no in redis\.conf\)+; see terrarium train --help\n$/,
    );
    for (const result of [untrusted, otherHost, plain, noClientCertificate])
      expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    expect(existsSync(join(dir, 'run'))).toBe(false);
  });

  it('--queue-ca must be a PEM file of certificates and go with a rediss:// --queue', async () => {
    const { dir, config } = tinyConfigFile();
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello\n');
    const train = (...extra: string[]) =>
      terrarium(['train', '--config', config, '--out', join(dir, 'run'), ...extra]);
    expect((await train('--queue', redis.url, '--queue-ca', join(dir, 'none.pem'))).stderr).toBe(
      `terrarium: --queue-ca: expected a readable PEM file of CA certificates, got "${join(dir, 'none.pem')}" (ENOENT); see terrarium train --help\n`,
    );
    expect((await train('--queue', redis.url, '--queue-ca', notPem)).stderr).toBe(
      `terrarium: --queue-ca: expected a PEM file of CA certificates, got "${notPem}" (no "-----BEGIN CERTIFICATE-----" in it); see terrarium train --help\n`,
    );
    const plainUrl = `redis://:${PASSWORD}@127.0.0.1:${redis.port}`;
    expect((await train('--queue', plainUrl, '--queue-ca', certs.ca)).stderr).toBe(
      `terrarium: --queue-ca: expected a rediss:// (TLS) --queue URL to go with it, got "${certs.ca}" (--queue is redis://:***@127.0.0.1:${redis.port}); see terrarium train --help\n`,
    );
    expect((await train('--queue-ca', certs.ca)).stderr).toBe(
      'terrarium: --queue-ca: expected together with a rediss:// --queue URL, got no --queue; see terrarium train --help\n',
    );
    const worker = await terrarium(['worker', '--queue', redis.url, '--queue-ca', notPem]);
    expect(worker).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^terrarium: --queue-ca: expected a PEM file/),
    });
    expect(existsSync(join(dir, 'run'))).toBe(false);
  });
});
