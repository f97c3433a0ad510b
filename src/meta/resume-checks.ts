import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TerrariumError } from '../core/errors.js';
import { envEntry } from '../envs/registry.js';
import { checkSameRobot, type NamedRobot, shippedRobotFor } from '../envs/robot-file.js';
import { RUN_ROBOT_FILE } from './checkpoint.js';
import { isSineConfig, parseRunConfig, type RlTrainConfig, type TrainConfig } from './config.js';

/**
 * --resume continues a run only with the config it was started with: every field must match (the seed included),
 * except workers and backend, and iterations and envStepBudget when eps does not anneal (see `extendable`).
 */
export async function checkSameConfig(runDir: string, config: TrainConfig): Promise<void> {
  let saved: TrainConfig;
  try {
    // Parsed, so fields added to the schema since the run started compare as their defaults.
    saved = parseRunConfig(JSON.parse(await readFile(join(runDir, 'config.json'), 'utf8')), runDir);
  } catch (error) {
    throw new TerrariumError(
      '--resume',
      runDir,
      'a run directory with a valid config.json to resume',
      error instanceof TerrariumError ? error.message : undefined,
    );
  }
  const fields = new Set([...Object.keys(saved), ...Object.keys(config)]);
  // A run whose eps does not anneal over its iterations can be extended: with more iterations or env steps it
  // continues exactly as a run started with them would (an annealed eps would follow another schedule).
  const extendable = config.algo === 'pretrain' || config.outer.eps0 === config.outer.eps1;
  const free = new Set(['workers', 'backend', ...(extendable ? ['iterations', 'envStepBudget'] : [])]);
  const differing = [...fields].filter(
    (key) =>
      !free.has(key) &&
      JSON.stringify((saved as Record<string, unknown>)[key]) !==
        JSON.stringify((config as Record<string, unknown>)[key]),
  );
  const legged = (c: TrainConfig): c is RlTrainConfig =>
    !isSineConfig(c) && envEntry(c.env).robot !== undefined;
  if (differing.includes('robot') && legged(config) && legged(saved)) {
    const named = (c: RlTrainConfig, source: string): NamedRobot =>
      c.robot ? { spec: c.robot, source } : shippedRobotFor(envEntry(c.env).robot!);
    checkSameRobot(
      named(config, 'the robot of --config'),
      named(saved, join(runDir, RUN_ROBOT_FILE)),
      runDir,
      '--config: robot',
    );
  }
  if (differing.length > 0) {
    throw new TerrariumError(
      '--config',
      `a config whose ${differing.join(', ')} differ`,
      `the config the run in ${runDir} was started with (see its config.json)`,
    );
  }
}

export interface MetricsPlan {
  /** The lines kept, each ending in a newline. */
  text: string;
  /** What was dropped or is missing, for the user. */
  notes: string[];
}

/**
 * The lines of metrics.jsonl that belong to the first `iterations` iterations, checked line by line: each kept line
 * is a JSON object whose `iteration` follows the last kept one; unreadable lines, repeats and lines past the
 * checkpoint are dropped (and said). Reads only; the caller writes `text`.
 */
export async function planMetrics(path: string, iterations: number): Promise<MetricsPlan> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch {
    // No metrics yet.
  }
  const kept: string[] = [];
  const unreadable: number[] = [];
  const stray: number[] = [];
  let past = 0;
  let last = -1;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, i) => {
    let iteration: unknown;
    try {
      const value = JSON.parse(line) as unknown;
      iteration =
        value && typeof value === 'object' ? (value as { iteration?: unknown }).iteration : undefined;
    } catch {
      unreadable.push(i + 1);
      return;
    }
    if (!Number.isInteger(iteration)) unreadable.push(i + 1);
    else if ((iteration as number) >= iterations) past++;
    else if ((iteration as number) > last) {
      kept.push(`${line}\n`);
      last = iteration as number;
    } else stray.push(i + 1);
  });
  const notes: string[] = [];
  const list = (n: number[]) => n.slice(0, 10).join(', ') + (n.length > 10 ? ', ...' : '');
  if (unreadable.length > 0)
    notes.push(`metrics.jsonl: dropped ${unreadable.length} unreadable line(s) (line ${list(unreadable)})`);
  if (stray.length > 0)
    notes.push(
      `metrics.jsonl: dropped ${stray.length} repeated or out-of-order line(s) (line ${list(stray)})`,
    );
  if (past > 0) notes.push(`metrics.jsonl: dropped ${past} line(s) written after the checkpoint`);
  if (kept.length < iterations)
    notes.push(
      `metrics.jsonl: ${iterations - kept.length} of the checkpoint's ${iterations} iterations have no line`,
    );
  return { text: kept.join(''), notes };
}
