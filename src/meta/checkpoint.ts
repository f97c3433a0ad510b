/**
 * Run directory and checkpoints.
 *
 *   RUN/config.json             the resolved train config (its `robot`: "robot.json", with the robot's sha256)
 *   RUN/robot.json              the run's robot spec, when it has its own (config-robot.ts)
 *   RUN/metrics.jsonl           one line per meta-iteration
 *   RUN/checkpoints/ckpt-NNNNNN.json   meta-params, optimizer state, RNG states, counters after NNNNNN iterations
 *   RUN/checkpoints/latest      the file name of the newest complete checkpoint
 *
 * Every file is written durably (durable-write.ts: temp file, fsync, read back, rename). A checkpoint carries the
 * sha256 of its payload (checkpoint-file.ts) and is verified under its final name before `latest` moves to it, so a
 * kill -9 or a full disk at any moment leaves `latest` naming a verified checkpoint. Loading takes the newest
 * checkpoint that verifies and says which ones it skipped and why; `latest` must name a file beside it. Typed arrays
 * are stored as base64 of their bytes, so a resumed run starts from bit-identical parameters.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDurable } from '../core/durable-write.js';
import { TerrariumError } from '../core/errors.js';
import { faultPoint } from '../core/fault-point.js';
import { readJsonFile } from '../core/json-file.js';
import type { RngState } from '../core/rng.js';
import { robotHash, robotJson } from '../envs/robot-file.js';
import { checkpointBytes, readCheckpointBytes } from './checkpoint-file.js';
import { isSineConfig, parseRunConfig, type TrainConfig } from './config.js';
import type { StepScales } from './meta-sgd.js';
import type { AdamState } from './reptile.js';

export { decodeJson, encodeJson } from './checkpoint-file.js';

export interface Checkpoint {
  version: 1;
  /** Meta-iterations completed. */
  iteration: number;
  params: Float32Array;
  obsNorm: unknown | null;
  /** Adam's moments when `outer.optimizer` is "adam". */
  adam: AdamState | null;
  /** Meta-SGD's log step-size multipliers (one per parameter) and their Adam state; absent without metaSgd. */
  stepScales?: StepScales | null;
  /** The inner learner's state that sequential pretraining carries between iterations (keepLearnerState). */
  learnerState?: unknown;
  /** Every RNG state the trainer carries between iterations. */
  rng: { tasks: RngState };
  /** The curriculum level the next meta-batch is drawn at; absent without `tasks.curriculum`. */
  curriculumLevel?: number;
  /** Lines of metrics.jsonl that belong to the iterations above (later ones are dropped on resume). */
  metricsLines: number;
  /** Cumulative env steps and wall-clock seconds of training. */
  envSteps: number;
  wallSeconds: number;
}

const POINTER = 'latest';
const NAME = /^ckpt-(\d{6})\.json$/;

export function checkpointDir(runDir: string): string {
  return join(runDir, 'checkpoints');
}

function checkpointName(iteration: number): string {
  return `ckpt-${String(iteration).padStart(6, '0')}.json`;
}

/** The file beside config.json that holds a run's robot spec. */
export const RUN_ROBOT_FILE = 'robot.json';

/**
 * Writes the resolved config (at the start of a run, and again on resume); a config with a robot writes the spec to
 * RUN/robot.json first and names it in config.json, with its hash.
 */
export async function writeRunConfig(runDir: string, config: TrainConfig): Promise<void> {
  await mkdir(checkpointDir(runDir), { recursive: true });
  let saved: unknown = config;
  if (!isSineConfig(config) && config.robot) {
    await writeDurable(join(runDir, RUN_ROBOT_FILE), robotJson(config.robot));
    saved = { ...config, robot: RUN_ROBOT_FILE, robotSha256: robotHash(config.robot) };
  }
  await writeDurable(join(runDir, 'config.json'), `${JSON.stringify(saved, null, 2)}\n`);
}

/** The run's config.json, parsed; a missing, corrupt or invalid file is an error naming it. */
export async function readRunConfig(runDir: string): Promise<TrainConfig> {
  const path = join(runDir, 'config.json');
  const json = await readJsonFile(path, {
    unreadable: () =>
      new TerrariumError('--run', runDir, 'a run directory with config.json (made by `terrarium train`)'),
    invalid: (text, reason) => new TerrariumError(path, `${text.length} characters`, 'valid JSON', reason),
  });
  try {
    return parseRunConfig(json, runDir);
  } catch (error) {
    if (!(error instanceof TerrariumError)) throw error;
    throw new TerrariumError(`${path}: ${error.path}`, error.value, error.expected);
  }
}

/**
 * Saves a checkpoint, verifies it under its final name, then points `latest` at it, then deletes all but the
 * newest `keep` (and temp files of interrupted writes). Crash-test points (fault-point.ts), in order:
 * checkpoint.temp-written, checkpoint.renamed, checkpoint.verified (before `latest` moves), latest.temp-written,
 * latest.renamed.
 */
export async function saveCheckpoint(runDir: string, checkpoint: Checkpoint, keep = 3): Promise<string> {
  const dir = checkpointDir(runDir);
  await mkdir(dir, { recursive: true });
  const name = checkpointName(checkpoint.iteration);
  try {
    await writeDurable(join(dir, name), checkpointBytes(checkpoint), 'checkpoint');
  } catch (error) {
    throw new Error(
      `${join(dir, name)}: checkpoint not written (${(error as Error).message}); \`latest\` still names the last one`,
    );
  }
  const check = readCheckpointBytes(await readFile(join(dir, name)));
  if (!check.ok || !check.verified) {
    await rm(join(dir, name), { force: true });
    throw new TerrariumError(
      join(dir, name),
      'the file written',
      'a checkpoint that verifies',
      check.ok ? '' : check.reason,
    );
  }
  faultPoint('checkpoint.verified');
  await writeDurable(join(dir, POINTER), `${name}\n`, 'latest');
  const all = await listCheckpoints(runDir);
  const stale = all.filter((n) => n !== name).slice(0, Math.max(0, all.length - Math.max(1, keep)));
  const temps = (await readdir(dir)).filter((n) => /^(ckpt-\d{6}\.json|latest)\.tmp-/.test(n));
  await Promise.all([...stale, ...temps].map((n) => rm(join(dir, n), { force: true })));
  return name;
}

/** Checkpoint files (plain files, not links), oldest first; temp files of interrupted writes are ignored. */
async function listCheckpoints(runDir: string): Promise<string[]> {
  try {
    const entries = await readdir(checkpointDir(runDir), { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && NAME.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** What `latest` names: null when there is no pointer; an error when it names anything but a file beside it. */
async function readPointer(runDir: string): Promise<string | null> {
  const path = join(checkpointDir(runDir), POINTER);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  const name = text.trim();
  if (!NAME.test(name)) {
    throw new TerrariumError(
      path,
      name.slice(0, 200),
      'the name of a checkpoint file beside it (ckpt-NNNNNN.json)',
    );
  }
  return name;
}

export interface FoundCheckpoint {
  checkpoint: Checkpoint;
  name: string;
  /** False for a checkpoint written before checksums existed (loaded as it is). */
  verified: boolean;
  /** Newer checkpoints that did not load, newest first, and why. */
  skipped: { name: string; reason: string }[];
}

/**
 * The newest checkpoint that verifies, with the newer ones it skipped. Null when the run has no checkpoint at all;
 * an error naming every skipped file when it has some and none verifies.
 */
export async function findCheckpoint(runDir: string): Promise<FoundCheckpoint | null> {
  const pointer = await readPointer(runDir);
  const names = new Set(await listCheckpoints(runDir));
  if (pointer) names.add(pointer);
  const skipped: { name: string; reason: string }[] = [];
  for (const name of [...names].sort().reverse()) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(checkpointDir(runDir), name));
    } catch {
      skipped.push({ name, reason: 'missing (named by latest)' });
      continue;
    }
    const read = readCheckpointBytes(bytes);
    if (!read.ok) {
      skipped.push({ name, reason: read.reason });
      continue;
    }
    return { checkpoint: read.data as unknown as Checkpoint, name, verified: read.verified, skipped };
  }
  if (skipped.length === 0) return null;
  throw new TerrariumError(
    checkpointDir(runDir),
    skipped.map((s) => s.name).join(', '),
    'at least one checkpoint that verifies',
    skipped.map((s) => `${s.name}: ${s.reason}`).join('; '),
  );
}

/** The newest checkpoint that verifies (see findCheckpoint); null when the run has none yet. */
export async function readLatestCheckpoint(runDir: string): Promise<Checkpoint | null> {
  return (await findCheckpoint(runDir))?.checkpoint ?? null;
}

export interface LoadedRun {
  config: TrainConfig;
  /** Meta-iterations completed at this checkpoint. */
  iteration: number;
  /** The meta-learned initialization. */
  params: Float32Array;
  /** Its observation-normalization state (null for the sine toy). */
  obsNorm: unknown | null;
  checkpoint: Checkpoint;
}

/** Loads a run for `terrarium view` / `terrarium eval`: its config and the newest meta-params. */
export async function loadLatestCheckpoint(runDir: string): Promise<LoadedRun> {
  const config = await readRunConfig(runDir);
  const checkpoint = await readLatestCheckpoint(runDir);
  if (!checkpoint) {
    throw new TerrariumError('--run', runDir, 'a run directory with at least one checkpoint');
  }
  return loadedRun(config, checkpoint);
}

/** The run in `runDir` as loadLatestCheckpoint gives it, or null when it has no checkpoint (yet). */
export async function loadRunIfCheckpointed(runDir: string): Promise<LoadedRun | null> {
  const checkpoint = await readLatestCheckpoint(runDir);
  return checkpoint ? loadedRun(await readRunConfig(runDir), checkpoint) : null;
}

function loadedRun(config: TrainConfig, checkpoint: Checkpoint): LoadedRun {
  return {
    config,
    iteration: checkpoint.iteration,
    params: checkpoint.params,
    obsNorm: checkpoint.obsNorm,
    checkpoint,
  };
}
