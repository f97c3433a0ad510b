import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TerrariumError } from '../core/errors.js';
import { parseRunConfig, type TrainConfig } from './config.js';

/** --resume continues a run only with the config it was started with (seed, workers and backend may differ). */
export async function checkSameConfig(runDir: string, config: TrainConfig): Promise<void> {
  let saved: TrainConfig;
  try {
    // Parsed, so fields added to the schema since the run started compare as their defaults.
    saved = parseRunConfig(JSON.parse(await readFile(join(runDir, 'config.json'), 'utf8')));
  } catch {
    throw new TerrariumError('--resume', runDir, 'a run directory with a valid config.json to resume');
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
  if (differing.length > 0) {
    throw new TerrariumError(
      '--config',
      `a config whose ${differing.join(', ')} differ`,
      `the config the run in ${runDir} was started with (see its config.json)`,
    );
  }
}

/** Keeps the first `n` lines of a file (dropping metrics written after the checkpoint, or a torn last line). */
export async function truncateLines(path: string, n: number): Promise<void> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch {
    // No metrics yet.
  }
  const lines = text.split('\n').filter((line, i, all) => i < all.length - 1 || line !== '');
  await writeFile(
    path,
    lines
      .slice(0, n)
      .map((line) => `${line}\n`)
      .join(''),
  );
}
