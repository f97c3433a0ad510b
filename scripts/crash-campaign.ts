// Kill -9 / full-disk / corrupt-file campaign (issue 28): N seeded trials on a tiny sine run of the built CLI
// (`npm run build` first), each interrupted or damaged one way, then `train --resume` to the end and compared with an
// uninterrupted run of the same seed (final checkpoint params bit-identical, same metrics).
//
//   npx tsx scripts/crash-campaign.ts --trials 30 [--seed 1]
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCheckpoint, loadLatestCheckpoint } from '../src/meta/checkpoint.js';
import { readCheckpointBytes } from '../src/meta/checkpoint-file.js';

const ITERATIONS = 6;
const CONFIG = {
  env: 'sine',
  iterations: ITERATIONS,
  metaBatchSize: 2,
  hidden: [32, 32],
  inner: { steps: 2, lr: 0.02, points: 10, batchSize: 5 },
  evaluation: { steps: 2, points: 10, tasks: 2 },
  checkpointEvery: 1,
  keepCheckpoints: ITERATIONS + 1,
  workers: 0,
  seed: 7,
};

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const trials = arg('trials', 30);
let state = arg('seed', 1) >>> 0;
/** mulberry32: the campaign's own seeded choices. */
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

interface Result {
  code: number | null;
  signal: string | null;
  stderr: string;
  ms: number;
}
/** Kill -9 `delayMs` after metrics.jsonl first holds `afterLines` lines (polled every 2 ms). */
interface Kill {
  afterLines: number;
  delayMs: number;
}
function lineCount(file: string): number {
  try {
    return readFileSync(file, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}
function run(file: string, args: string[], kill?: Kill & { metrics: string }): Promise<Result> {
  const start = Date.now();
  return new Promise((resolve) => {
    const child = execFile(file, args, { encoding: 'utf8' }, (error, _stdout, stderr) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({
        code: error ? ((error.code as number | null) ?? null) : 0,
        signal: error?.signal ?? null,
        stderr,
        ms: Date.now() - start,
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const poll = setInterval(() => {
      if (!kill || timer || lineCount(kill.metrics) < kill.afterLines) return;
      clearInterval(poll);
      timer = setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
    }, 2);
  });
}
const train = (args: string[], kill?: Kill & { metrics: string }) =>
  run(process.execPath, ['bin/terrarium.js', 'train', ...args], kill);

function newDir(): { dir: string; config: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'terrarium-campaign-'));
  const config = join(dir, 'config-in.json');
  writeFileSync(config, JSON.stringify(CONFIG));
  return { dir, config, out: join(dir, 'run') };
}

const ckptDir = (out: string) => join(out, 'checkpoints');
const checkpointNames = (out: string): string[] => {
  try {
    return readdirSync(ckptDir(out))
      .filter((n) => /^ckpt-\d{6}\.json$/.test(n))
      .sort();
  } catch {
    return [];
  }
};
/** metrics.jsonl without its wall-clock fields, by iteration. */
function metricsByIteration(out: string): Map<number, string> {
  const byIteration = new Map<number, string>();
  for (const line of readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n')) {
    if (line === '') continue;
    const { wallSeconds: _w, totalWallSeconds: _t, ...rest } = JSON.parse(line) as Record<string, unknown>;
    byIteration.set(rest.iteration as number, JSON.stringify(rest));
  }
  return byIteration;
}

/** The last iteration metrics.jsonl records as done (0 when none). */
function metricsDone(out: string): number {
  let last = 0;
  try {
    for (const line of readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n')) {
      try {
        const it = (JSON.parse(line) as { iteration?: unknown }).iteration;
        if (typeof it === 'number') last = Math.max(last, it + 1);
      } catch {}
    }
  } catch {}
  return last;
}
/** Checks every checkpoint under a final name; returns how many verified and the names that did not. */
function verifyAll(out: string): { verified: number; bad: string[] } {
  let verified = 0;
  const bad: string[] = [];
  for (const name of checkpointNames(out)) {
    const read = readCheckpointBytes(readFileSync(join(ckptDir(out), name)));
    if (read.ok && read.verified) verified++;
    else bad.push(name);
  }
  return { verified, bad };
}
const iterationOf = (name: string) => Number(/ckpt-(\d{6})/.exec(name)?.[1]);

function garble(file: string): string {
  const bytes = readFileSync(file);
  const how = pick(['truncate', 'empty', 'flip', 'append'] as const);
  if (how === 'truncate') truncateSync(file, Math.floor(random() * bytes.length));
  else if (how === 'empty') truncateSync(file, 0);
  else if (how === 'append') writeFileSync(file, Buffer.concat([bytes, Buffer.from('garbage\n')]));
  else {
    const at = Math.floor(random() * bytes.length);
    bytes[at] = (bytes[at] as number) ^ (1 + Math.floor(random() * 255));
    writeFileSync(file, bytes);
  }
  return how;
}

async function main(): Promise<void> {
  const ref = newDir();
  const straight = await train(['--config', ref.config, '--out', ref.out]);
  if (straight.code !== 0) throw new Error(`reference run failed: ${straight.stderr}`);
  const refCkpt = await loadLatestCheckpoint(ref.out);
  const refParams = Buffer.from(refCkpt.params.buffer);
  const refMetrics = metricsByIteration(ref.out);
  const runMs = straight.ms;
  const t0 = Date.now();
  await train(['--out', ref.out, '--resume', '--stop-after', String(ITERATIONS)]); // start-up alone
  const iterationMs = Math.max(5, (runMs - (Date.now() - t0)) / ITERATIONS);
  console.log(
    `reference: ${ITERATIONS} iterations in ${runMs} ms (about ${Math.round(iterationMs)} ms an iteration)`,
  );

  const tally = {
    trials: 0,
    kill: 0,
    disk: 0,
    corrupt: 0,
    corruptAll: 0,
    checkpointsVerified: 0,
    tornUnderFinalName: 0,
    lostBeyondRunning: 0,
    couldNotResume: 0,
    notBitIdentical: 0,
    refusedNamed: 0,
    refusedLatest: 0,
  };
  const problems: string[] = [];
  for (let t = 0; t < trials; t++) {
    const { dir, config, out } = newDir();
    const kind = pick(['kill', 'disk', 'corrupt', 'corrupt', 'kill', 'disk', 'corruptAll'] as const);
    tally.trials++;
    tally[kind]++;
    let note = '';
    let expectedResume: number | null = null; // the checkpoint iteration resume must pick (corrupt trials)
    let refusal: RegExp | null = null; // a damage that resume must refuse with a named error instead
    let garbledIteration = -1; // a metrics line garbled on purpose: its iteration's line is gone for good
    if (kind === 'kill') {
      // At a random moment of a random iteration: `delayMs` after the metrics line of iteration afterLines - 1.
      const afterLines = Math.floor(random() * ITERATIONS);
      const delayMs = Math.floor(random() * (afterLines === 0 ? runMs : iterationMs));
      const r = await train(['--config', config, '--out', out], {
        afterLines,
        delayMs,
        metrics: join(out, 'metrics.jsonl'),
      });
      note = `SIGKILL ${delayMs} ms after metrics line ${afterLines} (${r.signal ?? `exit ${r.code}`})`;
    } else if (kind === 'disk') {
      // 1024-byte blocks: a checkpoint is about 6.5 KB and metrics.jsonl reaches 2.4 KB, so most limits cut a write.
      // A clean start of `before` iterations (0: none), then the rest under the limit.
      const k = 1 + Math.floor(random() * 8);
      const before = Math.floor(random() * (ITERATIONS - 1));
      if (before > 0) await train(['--config', config, '--out', out, '--stop-after', String(before)]);
      const args = before > 0 ? '--out "$2" --resume' : '--config "$1" --out "$2"';
      const script = `trap "" XFSZ; ulimit -f ${k}; exec "$0" bin/terrarium.js train ${args}`;
      const r = await run('bash', ['-c', script, process.execPath, config, out]);
      note = `${before} iterations, then ulimit -f ${k} (exit ${r.code}${r.code ? `: ${r.stderr.trim().split('\n').at(-1)?.slice(0, 100)}` : ''})`;
    } else {
      const stop = 1 + Math.floor(random() * (ITERATIONS - 1));
      await train(['--config', config, '--out', out, '--stop-after', String(stop)]);
      const names = checkpointNames(out);
      if (kind === 'corruptAll') {
        for (const name of names) garble(join(ckptDir(out), name));
        // A flipped byte may by chance leave a file still valid JSON with a failing checksum; all fail anyway.
        note = `stop ${stop}, all ${names.length} checkpoints garbled`;
        refusal = /at least one checkpoint that verifies/;
      } else {
        const target = pick(['checkpoint', 'latest', 'metrics'] as const);
        if (target === 'checkpoint') {
          const name = pick(names);
          note = `stop ${stop}, ${name} ${garble(join(ckptDir(out), name))}`;
          const newest = names.filter((n) => n !== name).at(-1);
          expectedResume = name === names.at(-1) ? (newest ? iterationOf(newest) : 0) : stop;
          if (!newest) refusal = /at least one checkpoint that verifies/; // it was the only one
        } else if (target === 'latest') {
          const how = garble(join(ckptDir(out), 'latest'));
          note = `stop ${stop}, latest ${how}`;
          expectedResume = stop;
          // `latest` must name a checkpoint beside it; anything else is refused, naming the file (never followed).
          if (
            how !== 'empty' &&
            !/^ckpt-\d{6}\.json\s*$/.test(readFileSync(join(ckptDir(out), 'latest'), 'utf8'))
          ) {
            refusal = /latest: expected the name of a checkpoint file beside it/;
          }
        } else {
          const file = join(out, 'metrics.jsonl');
          const lines = readFileSync(file, 'utf8').split('\n');
          const at = Math.floor(random() * (lines.length - 1));
          lines[at] = pick(['{"iteration":', 'not json', '', '{"iteration":99}']);
          writeFileSync(file, lines.join('\n'));
          note = `stop ${stop}, metrics.jsonl line ${at + 1} garbled`;
          garbledIteration = at;
          expectedResume = stop;
        }
      }
    }
    const { verified, bad } = verifyAll(out);
    tally.checkpointsVerified += verified;
    if (kind !== 'corrupt' && kind !== 'corruptAll' && bad.length > 0) {
      tally.tornUnderFinalName++;
      problems.push(
        `trial ${t} ${kind}: checkpoints under final names that do not verify: ${bad.join(', ')}`,
      );
    }
    // What resume will load, against what was done before the interruption.
    let found: Awaited<ReturnType<typeof findCheckpoint>> = null;
    let findError = '';
    try {
      found = await findCheckpoint(out);
    } catch (error) {
      findError = (error as Error).message;
    }
    const resumeAt = found?.checkpoint.iteration ?? 0;
    if (kind === 'kill' || kind === 'disk') {
      const lost = metricsDone(out) - resumeAt;
      if (lost > 1) {
        tally.lostBeyondRunning += lost - 1;
        problems.push(
          `trial ${t} ${kind} ${note}: ${lost} iterations lost (done ${metricsDone(out)}, resume ${resumeAt})`,
        );
      }
    } else if (expectedResume !== null && !findError && resumeAt !== expectedResume) {
      tally.lostBeyondRunning += Math.max(0, expectedResume - resumeAt);
      problems.push(`trial ${t} ${kind} ${note}: resumes at ${resumeAt}, expected ${expectedResume}`);
    }
    // Resume to completion (a kill before config.json was written leaves nothing to resume: start it afresh).
    const hasRun = readdirSafe(out).includes('config.json');
    const resumed = hasRun
      ? await train(['--out', out, '--resume'])
      : await train(['--config', config, '--out', out, '--force']);
    if (refusal) {
      if (resumed.code === 2 && /^terrarium: /.test(resumed.stderr) && refusal.test(resumed.stderr)) {
        if (/latest: expected/.test(resumed.stderr)) tally.refusedLatest++;
        else tally.refusedNamed++;
        console.log(`trial ${t}: ${kind}: ${note}; refused: ${resumed.stderr.trim().slice(0, 160)}`);
      } else {
        tally.couldNotResume++;
        problems.push(
          `trial ${t} ${kind} ${note}: expected a named refusal, got exit ${resumed.code}: ${resumed.stderr}`,
        );
      }
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (resumed.code !== 0) {
      tally.couldNotResume++;
      problems.push(`trial ${t} ${kind} ${note}: resume exit ${resumed.code}: ${resumed.stderr.trim()}`);
      continue;
    }
    const final = await loadLatestCheckpoint(out);
    const metrics = metricsByIteration(out);
    const same =
      final.iteration === ITERATIONS &&
      Buffer.from(final.params.buffer).equals(refParams) &&
      [...refMetrics].every(([i, line]) => i === garbledIteration || metrics.get(i) === line) &&
      metrics.size === refMetrics.size - (metrics.has(garbledIteration) || garbledIteration < 0 ? 0 : 1);
    if (!same) {
      tally.notBitIdentical++;
      problems.push(
        `trial ${t} ${kind} ${note}: final checkpoint or metrics differ from the uninterrupted run`,
      );
    }
    tally.checkpointsVerified += verifyAll(out).verified;
    console.log(
      `trial ${t}: ${kind}: ${note}; resumed at ${resumeAt}${same ? ', bit-identical' : ', DIFFERS'}`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
  rmSync(ref.dir, { recursive: true, force: true });
  console.log('');
  console.log(
    `trials: ${tally.trials} (kill -9 ${tally.kill}, full disk ${tally.disk}, corrupt file ${tally.corrupt}, every checkpoint corrupt ${tally.corruptAll})`,
  );
  console.log(`checkpoints verified: ${tally.checkpointsVerified}`);
  console.log(`torn checkpoints under a final name: ${tally.tornUnderFinalName}`);
  console.log(`iterations lost beyond the running one: ${tally.lostBeyondRunning}`);
  console.log(`runs that could not resume: ${tally.couldNotResume}`);
  console.log(`resumed runs not bit-identical to the uninterrupted run: ${tally.notBitIdentical}`);
  console.log(
    `runs refused with a named error, correctly: every checkpoint corrupt ${tally.refusedNamed}, \`latest\` garbled ${tally.refusedLatest}`,
  );
  for (const p of problems) console.log(`PROBLEM ${p}`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

await main();
