// Fuzz every input kind of issue 28 with fast-check: train configs, tasks, robot specs, CLI flags, WebSocket
// messages. Every case must end in a valid result or a clean named error (TerrariumError, a `terrarium: …` line with
// exit 2, a protocol `error` reply): never another exception, a stack trace, a hang (per-case timeout) or RSS past a
// bound. Prints per kind: cases, valid, named errors, crashes, hangs; exits 1 on any crash or hang.
//
//   npx tsx scripts/fuzz-inputs.ts --cases 10000 [--kinds config,task,robot,cli,ws] [--seed 28]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import WebSocket from 'ws';
import { main as cliMain } from '../src/cli/main.js';
import { parseWith, TerrariumError } from '../src/core/errors.js';
import type { Env } from '../src/envs/env.js';
import { envEntry, listEnvs, makeEnv } from '../src/envs/registry.js';
import { parseRobotSpec } from '../src/envs/robot-spec.js';
import { parseTrainConfig } from '../src/meta/config.js';
import { demoStreams } from '../src/server/demo-streams.js';
import { startViewerServer } from '../src/server/server.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] as string) : fallback;
}
const CASES = Number(arg('cases', '1000'));
const SEED = Number(arg('seed', '28'));
const KINDS = arg('kinds', 'config,task,robot,cli,ws').split(',');
const SHOW = Number(arg('show', '0'));
const RSS_LIMIT = 3 * 1024 ** 3;

type Outcome = 'valid' | 'named' | 'crash' | 'hang';
interface Tally {
  cases: number;
  valid: number;
  named: number;
  crash: number;
  hang: number;
  maxRssMiB: number;
  seconds: number;
}
const examples: string[] = [];

/** A JSON value with some leaves replaced, removed or added: mostly near-valid inputs, some garbage. */
function mutated(base: unknown): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    fc.double(),
    fc.integer(),
    fc.constantFrom(0, -1, 1e308, -1e308, 1e-300, 2 ** 53, Number.NaN, 0.5, 1e7, 100001),
    fc.string({ maxLength: 20 }),
    fc.boolean(),
    fc.constant(null),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, [...path, i]);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    }
  };
  walk(base, []);
  const edit = fc.record({
    path: fc.constantFrom(...paths),
    how: fc.constantFrom('replace', 'replace', 'replace', 'delete', 'add'),
    value: leaf,
    key: fc.string({ maxLength: 8 }),
  });
  return fc
    .oneof(
      { weight: 8, arbitrary: fc.array(edit, { minLength: 1, maxLength: 4 }) },
      { weight: 1, arbitrary: fc.constant([] as Edit[]) },
    )
    .chain((edits) =>
      fc.oneof(
        { weight: 20, arbitrary: fc.constant(applyEdits(base, edits)) },
        { weight: 1, arbitrary: fc.jsonValue() },
      ),
    );
}
interface Edit {
  path: (string | number)[];
  how: string;
  value: unknown;
  key: string;
}
function applyEdits(base: unknown, edits: Edit[]) {
  let root = structuredClone(base);
  for (const { path, how, value, key } of edits) {
    if (path.length === 0) {
      if (how === 'replace') root = value;
      continue;
    }
    let parent: unknown = root;
    for (const p of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)?.[p];
    if (!parent || typeof parent !== 'object') continue;
    const last = path.at(-1) as string | number;
    const obj = parent as Record<string | number, unknown>;
    if (how === 'replace') obj[last] = value;
    else if (how === 'delete') {
      if (Array.isArray(obj)) obj.splice(last as number, 1);
      else delete obj[last];
    } else if (obj[last] && typeof obj[last] === 'object' && !Array.isArray(obj[last])) {
      (obj[last] as Record<string, unknown>)[key] = value;
    }
  }
  return root;
}

const isNamed = (error: unknown) => error instanceof TerrariumError;
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as unknown;

async function runKind(
  name: string,
  inputs: unknown[],
  one: (input: unknown) => Promise<Outcome>,
  timeoutMs: number,
): Promise<Tally> {
  const tally: Tally = { cases: 0, valid: 0, named: 0, crash: 0, hang: 0, maxRssMiB: 0, seconds: 0 };
  const start = Date.now();
  for (const input of inputs) {
    tally.cases++;
    const began = Date.now();
    let timer: NodeJS.Timeout | undefined;
    let outcome: Outcome;
    try {
      outcome = await Promise.race([
        one(input),
        new Promise<Outcome>((resolve) => {
          timer = setTimeout(() => resolve('hang'), timeoutMs);
        }),
      ]);
    } catch (error) {
      outcome = isNamed(error) ? 'named' : 'crash';
      if (outcome === 'crash') note(name, input, (error as Error)?.stack ?? String(error));
    } finally {
      clearTimeout(timer);
    }
    if (outcome !== 'hang' && Date.now() - began > timeoutMs) outcome = 'hang'; // a synchronous hang
    if (outcome === 'hang') note(name, input, `no end within ${timeoutMs} ms`);
    tally[outcome]++;
    if (tally.cases <= SHOW) console.log(`${name} ${outcome}: ${JSON.stringify(input)?.slice(0, 200)}`);
    if (tally.cases % 50 === 0) {
      const rss = process.memoryUsage().rss;
      tally.maxRssMiB = Math.max(tally.maxRssMiB, Math.round(rss / 1024 ** 2));
      if (rss > RSS_LIMIT) {
        note(name, input, `RSS ${Math.round(rss / 1024 ** 2)} MiB over the bound`);
        tally.crash++;
        break;
      }
    }
  }
  tally.seconds = Math.round((Date.now() - start) / 1000);
  return tally;
}
function note(kind: string, input: unknown, what: string) {
  if (examples.length < 30)
    examples.push(`${kind}: ${JSON.stringify(input)?.slice(0, 300)}\n  ${what.slice(0, 600)}`);
}

// --- kinds ---

async function fuzzConfigs(): Promise<Tally> {
  const bases = [
    'configs/sine/meta.json',
    'configs/ball-nav/ablations/reptile.json',
    'configs/cheetah-vel/ablations/reptile.json',
  ].map(json);
  const inputs = fc.sample(fc.oneof(...bases.map(mutated)), { numRuns: CASES, seed: SEED });
  return runKind(
    'config',
    inputs,
    async (input) => {
      parseTrainConfig(input);
      return 'valid';
    },
    5000,
  );
}

async function fuzzRobots(): Promise<Tally> {
  const bases = ['robots/ant.json', 'robots/cheetah.json'].map(json);
  const inputs = fc.sample(fc.oneof(...bases.map(mutated)), { numRuns: CASES, seed: SEED });
  return runKind(
    'robot',
    inputs,
    async (input) => {
      parseRobotSpec(input);
      return 'valid';
    },
    5000,
  );
}

async function fuzzTasks(): Promise<Tally> {
  const ids = listEnvs()
    .map((e) => e.id)
    .filter((id) => id !== 'sine');
  const envs = new Map<string, Env<unknown>>();
  for (const id of ids) envs.set(id, await makeEnv(id, { maxEpisodeSteps: 5 }));
  const withId = (id: string) => {
    const entry = envEntry(id);
    const bases = [entry.defaultTask(), ...entry.distribution().sample(2, SEED)];
    return fc.record({ id: fc.constant(id), task: fc.oneof(...bases.map(mutated)) });
  };
  const inputs = fc.sample(fc.oneof(...ids.map(withId)), { numRuns: CASES, seed: SEED });
  const tally = await runKind(
    'task',
    inputs,
    async (input) => {
      const { id, task } = input as { id: string; task: unknown };
      const entry = envEntry(id);
      const result = entry.taskSchema.safeParse(task);
      if (!result.success) {
        try {
          // The same schema through the project's own error path: a named error.
          parseWith(entry.taskSchema, task, 'task');
        } catch (error) {
          return isNamed(error) ? 'named' : 'crash';
        }
        return 'crash';
      }
      const env = envs.get(id) as Env<unknown>;
      env.setTask(result.data);
      env.reset({ seed: 1 });
      const zero = new Array(env.actionSpace.shape[0]).fill(0);
      for (let i = 0; i < 3; i++) {
        const step = env.step(zero);
        if (step.terminated || step.truncated) break;
      }
      return 'valid';
    },
    10000,
  );
  for (const env of envs.values()) env.close();
  return tally;
}

async function fuzzCli(): Promise<Tally> {
  const scratch = mkdtempSync(join(tmpdir(), 'terrarium-fuzz-cli-'));
  // Relative paths the cases name (`--out 1e308`) land in the scratch directory, not the checkout.
  const home = process.cwd();
  const antRobot = resolve('robots/ant.json');
  process.chdir(scratch);
  const goodConfig = join(scratch, 'sine.json');
  writeFileSync(
    goodConfig,
    JSON.stringify({
      env: 'sine',
      iterations: 2,
      metaBatchSize: 2,
      hidden: [8],
      inner: { steps: 1, lr: 0.02, points: 5, batchSize: 5 },
      evaluation: { steps: 1, points: 5, tasks: 2 },
      checkpointEvery: 1,
      workers: 0,
    }),
  );
  const badConfig = join(scratch, 'bad.json');
  writeFileSync(badConfig, '{"env": "sine", "iterat');
  // A finished run for eval.
  const run = join(scratch, 'run');
  await capture(() => cliMain(['node', 'terrarium', 'train', '--config', goodConfig, '--out', run]));

  const num = fc.constantFrom(
    '0',
    '1',
    '2',
    '-1',
    '1e308',
    'NaN',
    'abc',
    '',
    '2.5',
    '99999999999',
    '0x10',
    ' 1',
  );
  const anyValue = fc.oneof(
    num,
    fc.string({ maxLength: 12 }),
    fc.constantFrom('{', '[]', '{}', '../..', '/'),
  );
  const task = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    fc.constantFrom('{"direction":[1,0]}', '{"goal":[1,1]}', '{"velocity":1e308}', '{'),
  );
  const envId = fc.constantFrom('ball-nav', 'cheetah-vel', 'ant-dir', 'sine', 'nope', '');
  let dirs = 0;
  const flags: Record<string, [string, fc.Arbitrary<string> | null][]> = {
    envs: [['--json', null]],
    rollout: [
      ['--env', envId],
      ['--task', task],
      ['--task-seed', num],
      ['--terrain', fc.constantFrom('flat', 'slope', 'stairs', 'rough', 'lava')],
      ['--steps', fc.constantFrom('0', '1', '5', '-1', '1e308', 'abc', '99999999999')],
      ['--seed', num],
      ['--policy', fc.constantFrom('random', 'zero', scratch, '/nonexistent', '')],
      ['--robot', fc.constantFrom(antRobot, badConfig, '/nonexistent', goodConfig)],
      ['--reward', fc.constantFrom('maml', 'gymnasium', 'x')],
      ['--json', null],
    ],
    train: [
      ['--config', fc.constantFrom(goodConfig, goodConfig, badConfig, '/nonexistent', scratch, '')],
      ['--resume', null],
      ['--force', null],
      ['--workers', fc.constantFrom('0', '-1', 'abc', '1e308', '1.5')],
      ['--backend', fc.constantFrom('auto', 'cpu', 'wasm', 'gpu', '')],
      ['--seed', num],
      ['--iterations', fc.constantFrom('0', '1', '2', '-1', '1e308', 'abc', '', '2.5', '99999999999')],
      ['--stop-after', fc.constantFrom('0', '1', '-1', '1e308', 'abc')],
      ['--port', fc.constantFrom('-1', '70000', 'abc')],
      ['--token', fc.constantFrom('', 'short', 'x'.repeat(300))],
      ['--json', null],
    ],
    eval: [
      ['--run', fc.constantFrom(run, '/nonexistent', scratch, '')],
      ['--baselines', fc.constantFrom('random', 'pretrained', 'oracle', 'x', '')],
      ['--tasks', fc.constantFrom('1', '2', '0', '-1', '1e308', 'abc')],
      ['--k', fc.constantFrom('0', '1', '-1', '1e308', 'abc')],
      ['--seeds', fc.constantFrom('1', '0', '-1', '1e308', 'abc')],
      ['--episodes', fc.constantFrom('1', '0', '1e308', 'abc')],
      ['--return-gap', fc.constantFrom('off', '1,1', 'x', '1e308,0')],
      ['--baseline-steps', fc.constantFrom('scalar', 'meta', 'x')],
      ['--json', null],
    ],
  };
  const required: Record<string, string[]> = {
    rollout: ['--env', 'ball-nav'],
    train: ['--config', goodConfig],
    eval: ['--run', run, '--tasks', '2', '--seeds', '1'],
  };
  const command = fc.constantFrom('envs', 'rollout', 'rollout', 'train', 'train', 'eval', 'nope');
  const argv = command.chain((cmd) => {
    const own = (flags[cmd] ?? [['--json', null]]).map(([name, values]) =>
      fc.tuple(fc.constant(name), values ? fc.option(values, { freq: 10 }) : fc.constant(null)),
    );
    const flag = fc.oneof(
      { weight: 10, arbitrary: fc.oneof(...own) },
      {
        weight: 1,
        arbitrary: fc.tuple(fc.constantFrom('--nope', '-x', '--', '--help', '--debug'), fc.constant(null)),
      },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('--steps', '--env', '--out'), fc.option(anyValue)) },
    );
    // Most cases carry the command's required flag (a valid value), so that the other flags are reached.
    const base = fc.oneof(
      { weight: 1, arbitrary: fc.constant([] as string[]) },
      { weight: 4, arbitrary: fc.constant(required[cmd] ?? []) },
    );
    return fc.tuple(base, fc.array(flag, { maxLength: 5 })).map(([required, picked]) => {
      const out: string[] = [cmd, ...required];
      for (const [name, value] of picked) {
        out.push(name);
        if (value !== null && value !== undefined) out.push(value as string);
      }
      // Every train gets a fresh --out (a run into an existing one is its own error case).
      if (cmd === 'train' && !out.includes('--out')) out.push('--out', join(scratch, `out-${dirs++}`));
      if (cmd === 'rollout' && !out.includes('--steps')) out.push('--steps', '5');
      return out;
    });
  });
  const inputs = fc.sample(argv, { numRuns: CASES, seed: SEED });
  const tally = await runKind(
    'cli',
    inputs,
    async (input) => {
      const { code, stderr } = await capture(() => cliMain(['node', 'terrarium', ...(input as string[])]));
      const stack = /\n\s+at .+:\d+:\d+/.test(stderr) && !(input as string[]).includes('--debug');
      if (code === 0 && !stack) return 'valid';
      if (code === 2 && !stack) return 'named';
      note('cli', input, `exit ${code}: ${stderr.trim()}`);
      return 'crash';
    },
    30000,
  );
  process.chdir(home);
  rmSync(scratch, { recursive: true, force: true });
  return tally;
}

/** Runs fn with process stdout/stderr writes collected (not printed), and process.exitCode reset. */
async function capture(fn: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  process.exitCode = undefined;
  try {
    const code = await fn();
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
  }
}

async function fuzzWs(): Promise<Tally> {
  const demo = demoStreams({ fps: 50 });
  const server = await startViewerServer({
    streams: demo.streams,
    port: 0,
    taskSchema: envEntry('ball-nav').taskSchema,
    onTask: () => {},
  });
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
  let replies = 0;
  let lastReply: { type: string } | null = null;
  let waiter: (() => void) | null = null;
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const m = JSON.parse(String(data)) as { type: string };
    if (m.type === 'state' || m.type === 'error' || m.type === 'taskAccepted') {
      replies++;
      lastReply = m;
      waiter?.();
    }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const type = fc.constantFrom('subscribe', 'select', 'pause', 'resume', 'speed', 'task', 'fly');
  const message = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.record({ type, value: fc.anything() }, { requiredKeys: ['type'] }).map((m) => JSON.stringify(m)),
    fc
      .record({ type, taskIndex: fc.oneof(fc.integer(), fc.double()), streams: fc.array(fc.string()) })
      .map((m) => JSON.stringify(m)),
    fc
      .record({ type: fc.constant('task'), task: mutated(envEntry('ball-nav').defaultTask()) })
      .map((m) => JSON.stringify(m)),
    fc.record({ type: fc.constant('speed'), value: fc.double() }).map((m) => JSON.stringify(m)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
  );
  const inputs = fc.sample(message, { numRuns: CASES, seed: SEED });
  const tally = await runKind(
    'ws',
    inputs,
    async (input) => {
      if (ws.readyState !== WebSocket.OPEN) return 'crash';
      const before = replies;
      const got = new Promise<void>((resolve) => {
        waiter = () => {
          if (replies > before) resolve();
        };
      });
      ws.send(input as string);
      await got;
      const reply = lastReply as { type: string } | null;
      return reply?.type === 'error' ? 'named' : 'valid';
    },
    5000,
  );
  ws.close();
  await server.close();
  demo.stop();
  return tally;
}

const table: Record<string, Tally> = {};
const run: Record<string, () => Promise<Tally>> = {
  config: fuzzConfigs,
  task: fuzzTasks,
  robot: fuzzRobots,
  cli: fuzzCli,
  ws: fuzzWs,
};
for (const kind of KINDS) {
  const t = await (run[kind] as () => Promise<Tally>)();
  table[kind] = t;
  console.log(
    `${kind}: cases ${t.cases}, valid ${t.valid}, named errors ${t.named}, crashes ${t.crash}, hangs ${t.hang} (${t.seconds} s, max RSS ${t.maxRssMiB} MiB)`,
  );
}
for (const e of examples) console.log(`EXAMPLE ${e}`);
const bad = Object.values(table).some((t) => t.crash + t.hang > 0);
process.exit(bad ? 1 : 0);
