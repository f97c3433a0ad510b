/**
 * Run directory and checkpoints.
 *
 *   RUN/config.json             the resolved train config
 *   RUN/metrics.jsonl           one line per meta-iteration
 *   RUN/checkpoints/ckpt-NNNNNN.json   meta-params, optimizer state, RNG states, counters after NNNNNN iterations
 *   RUN/checkpoints/latest      the file name of the newest complete checkpoint
 *
 * Every file is written atomically (write-file-atomic: temp file, fsync, rename), the checkpoint before the pointer,
 * so a kill -9 at any moment leaves `latest` naming a complete checkpoint. Typed arrays are stored as base64 of
 * their bytes, so a resumed run starts from bit-identical parameters.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { TerrariumError } from '../core/errors.js';
import type { RngState } from '../core/rng.js';
import { parseRunConfig, type TrainConfig } from './config.js';
import type { StepScales } from './meta-sgd.js';
import type { AdamState } from './reptile.js';

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
  /** Every RNG state the trainer carries between iterations. */
  rng: { tasks: RngState };
  /** Lines of metrics.jsonl that belong to the iterations above (later ones are dropped on resume). */
  metricsLines: number;
  /** Cumulative env steps and wall-clock seconds of training. */
  envSteps: number;
  wallSeconds: number;
}

const POINTER = 'latest';

export function checkpointDir(runDir: string): string {
  return join(runDir, 'checkpoints');
}

function checkpointName(iteration: number): string {
  return `ckpt-${String(iteration).padStart(6, '0')}.json`;
}

/** JSON with typed arrays as { $typed: "Float32Array", base64 }. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (
      v instanceof Float32Array ||
      v instanceof Float64Array ||
      v instanceof Int32Array ||
      v instanceof Uint8Array
    ) {
      return {
        $typed: v.constructor.name,
        base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'),
      };
    }
    return v;
  });
}

const TYPED = { Float32Array, Float64Array, Int32Array, Uint8Array } as const;

export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, v) => {
    if (v && typeof v === 'object' && typeof v.$typed === 'string' && typeof v.base64 === 'string') {
      const Ctor = TYPED[v.$typed as keyof typeof TYPED];
      if (!Ctor) throw new Error(`unknown typed array ${v.$typed}`);
      const bytes = Buffer.from(v.base64, 'base64');
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      return new Ctor(copy.buffer);
    }
    return v;
  });
}

/** Writes the resolved config once, at the start of a run. */
export async function writeRunConfig(runDir: string, config: TrainConfig): Promise<void> {
  await mkdir(checkpointDir(runDir), { recursive: true });
  await writeFileAtomic(join(runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

export async function readRunConfig(runDir: string): Promise<TrainConfig> {
  const path = join(runDir, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new TerrariumError('--run', runDir, 'a run directory with config.json (made by `terrarium train`)');
  }
  return parseRunConfig(JSON.parse(text));
}

/** Saves a checkpoint, then points `latest` at it, then deletes all but the newest `keep`. */
export async function saveCheckpoint(runDir: string, checkpoint: Checkpoint, keep = 3): Promise<string> {
  const dir = checkpointDir(runDir);
  await mkdir(dir, { recursive: true });
  const name = checkpointName(checkpoint.iteration);
  await writeFileAtomic(join(dir, name), encodeJson(checkpoint));
  await writeFileAtomic(join(dir, POINTER), `${name}\n`);
  const all = await listCheckpoints(runDir);
  const stale = all.filter((n) => n !== name).slice(0, Math.max(0, all.length - Math.max(1, keep)));
  await Promise.all(stale.map((n) => rm(join(dir, n), { force: true })));
  return name;
}

/** Complete checkpoint files, oldest first (temp files of interrupted writes are ignored). */
async function listCheckpoints(runDir: string): Promise<string[]> {
  try {
    return (await readdir(checkpointDir(runDir))).filter((n) => /^ckpt-\d{6}\.json$/.test(n)).sort();
  } catch {
    return [];
  }
}

async function readCheckpointFile(runDir: string, name: string): Promise<Checkpoint | null> {
  try {
    const data = decodeJson(await readFile(join(checkpointDir(runDir), name), 'utf8')) as Checkpoint;
    return data && data.version === 1 && data.params instanceof Float32Array ? data : null;
  } catch {
    return null;
  }
}

/**
 * The newest loadable checkpoint: the one `latest` names, or (if that is missing or unreadable) the newest complete
 * checkpoint file. Null when the run has none yet.
 */
export async function readLatestCheckpoint(runDir: string): Promise<Checkpoint | null> {
  try {
    const name = (await readFile(join(checkpointDir(runDir), POINTER), 'utf8')).trim();
    const checkpoint = await readCheckpointFile(runDir, name);
    if (checkpoint) return checkpoint;
  } catch {
    // No pointer yet: fall through to scanning.
  }
  for (const name of (await listCheckpoints(runDir)).reverse()) {
    const checkpoint = await readCheckpointFile(runDir, name);
    if (checkpoint) return checkpoint;
  }
  return null;
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
