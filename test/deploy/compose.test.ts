/**
 * deploy/compose.yaml cannot be run here (no Docker daemon), so it is checked against the CLI as it is: its
 * commands exist and take its flags, its files exist, its URL reaches its Redis, and, outside Docker, its Redis
 * command, worker commands and trainer command (stopped after one iteration) train together.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PASSWORD_ENV, queueConnection } from '../../src/meta/queue/connection.js';
import { tempDir } from '../meta/helpers.js';
import {
  type RedisServer,
  startRedis,
  startWorkerCommand,
  type WorkerProcess,
} from '../queue/redis-server.js';
import { terrarium } from '../run-cli.js';
import { type ComposeService, readComposeFile } from './compose-file.js';

const PASSWORD = 'compose-test-pw-31c7';
const compose = readComposeFile('deploy/compose.yaml', { REDIS_PASSWORD: PASSWORD });
const environment = Object.fromEntries(compose.environment);
const redisUrl = environment.REDIS_URL ?? '';

function service(name: string): ComposeService {
  const found = compose.services.get(name);
  if (!found) throw new Error(`compose.yaml has no service "${name}"`);
  return found;
}

/** The `sh -c "exec node bin/terrarium.js ..."` script of a service's entrypoint. */
function script(name: string): string {
  const [shell, dashC, text] = service(name).entrypoint ?? [];
  expect([shell, dashC]).toEqual(['sh', '-c']);
  expect(text).toMatch(/^exec node bin\/terrarium\.js /);
  return text!;
}

/** The arguments that script gives terrarium, split by sh itself with `REDIS_URL` set. */
function terrariumArgs(name: string): string[] {
  const args = script(name).replace(/^exec node bin\/terrarium\.js /, '');
  const words = execFileSync('sh', ['-c', `set -- ${args}; printf '%s\\0' "$@"`], {
    env: { ...process.env, ...environment },
    encoding: 'utf8',
  });
  return words.split('\0').slice(0, -1);
}

describe('deploy/compose.yaml against the CLI', () => {
  it('builds from deploy/Dockerfile, whose /app is the repository, and keeps runs/ in a volume', () => {
    expect(compose.build).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
    const dockerfile = readFileSync(
      resolve('deploy', compose.build.context!, compose.build.dockerfile!),
      'utf8',
    );
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(dockerfile).toMatch(/^COPY \. \.$/m);
    expect(compose.volumes).toContain('../runs:/app/runs');
    expect([...compose.services.keys()].sort()).toEqual(['redis', 'trainer', 'worker']);
    expect(service('worker').replicas).toBe(2);
  });

  it('every terrarium command it runs exists, takes each flag it is given, and finds its files', async () => {
    const seen: string[] = [];
    for (const name of ['trainer', 'worker']) {
      const [command, ...args] = terrariumArgs(name);
      seen.push(command!);
      const help = await terrarium([command!, '--help']);
      expect(help.code, help.stderr).toBe(0);
      const listed = new Set(help.stdout.match(/--[a-z][a-z-]*/g));
      const flags = args.filter((arg) => arg.startsWith('--'));
      expect(flags).toContain('--queue');
      for (const flag of flags) expect(listed.has(flag), `${name}: terrarium ${command} ${flag}`).toBe(true);
      const value = (flag: string) => args[args.indexOf(flag) + 1];
      expect(value('--queue')).toBe(redisUrl);
      if (flags.includes('--config')) expect(existsSync(value('--config')!), value('--config')).toBe(true);
      if (flags.includes('--out')) expect(value('--out')).toMatch(/^runs\//);
    }
    expect(seen).toEqual(['train', 'worker']);
  });

  it("its REDIS_URL names the redis service, and its environment the password that service's redis-server requires", () => {
    expect(redisUrl).not.toContain(PASSWORD);
    const connection = queueConnection(redisUrl, undefined, environment);
    expect(compose.services.has(connection.host)).toBe(true);
    expect(connection).toMatchObject({ port: 6379, password: PASSWORD, tls: false });
    expect(environment[PASSWORD_ENV]).toBe(PASSWORD);
    const command = service('redis').command!;
    expect(command[0]).toBe('redis-server');
    expect(command[command.indexOf('--requirepass') + 1]).toBe(PASSWORD);
  });
});

describe('deploy/compose.yaml outside Docker', () => {
  let redis: RedisServer | undefined;
  let workers: WorkerProcess[] = [];
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await redis?.stop();
  });

  it('its Redis command, its workers and its trainer (stopped after one iteration) train together', async () => {
    const [, ...redisArgs] = service('redis').command!;
    redis = await startRedis({ args: redisArgs });
    const env = {
      ...process.env,
      ...environment,
      PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
      REDIS_URL: redisUrl.replace('//redis:6379/', `//127.0.0.1:${redis.port}/`),
    };
    workers = await Promise.all(
      Array.from({ length: service('worker').replicas }, () =>
        startWorkerCommand('sh', ['-c', script('worker')], env),
      ),
    );
    // The trainer's working directory stands for the image's /app: the repository's bin and configs, its own runs/.
    const app = tempDir();
    for (const folder of ['bin', 'configs']) symlinkSync(resolve(folder), join(app, folder));
    const trained = await promisify(execFile)('sh', ['-c', `${script('trainer')} --stop-after 1`], {
      cwd: app,
      env,
      encoding: 'utf8',
    });
    expect(trained.stdout).toContain(`jobs on the queue at redis://:***@127.0.0.1:${redis.port}/0`);
    expect(trained.stdout).toMatch(/^iter 1\/\d+ .* queue: [12] worker\(s\), \d+ waiting, \d+ active$/m);
    expect(existsSync(join(app, 'runs', 'compose-demo', 'config.json'))).toBe(true);
    const logs = workers.map((w) => w.output()).join('\n');
    expect(logs).toMatch(/terrarium-compose-demo-[0-9a-f]{8}: iteration 0, task \d+ done/);
    expect(logs + trained.stdout + trained.stderr).not.toContain(PASSWORD);
  }, 240_000);
});
