import type { TrainConfig } from '../meta/config.js';

/** `--iterations`'s help: the choice it makes about an annealed eps schedule, and how to make the other one. */
export const ITERATIONS_HELP =
  "the run's length (the config's otherwise); eps anneals from eps0 to eps1 over it (to keep the config's " +
  'schedule and end early, use --stop-after N); with --resume, extends a run whose eps does not anneal';

/**
 * `--iterations N` sets the run's length, and an annealed eps follows it (eps reaches eps1 at the run's last
 * iteration, so a shorter run is a whole run, which --resume can finish and eval can compare): says so on stderr
 * when the config anneals eps over another number of iterations, naming --stop-after for the config's schedule.
 */
export function noteIterations(
  config: TrainConfig,
  options: { iterations?: number; resume?: boolean },
): void {
  const n = options.iterations;
  if (n === undefined || n === config.iterations || options.resume) return;
  if (config.algo === 'pretrain' || config.outer.eps0 === config.outer.eps1) return;
  const { eps0, eps1 } = config.outer;
  const keep =
    n < config.iterations
      ? ` (to keep the config's schedule and stop after ${n}, use --stop-after ${n})`
      : '';
  process.stderr.write(
    `terrarium: --iterations ${n}: eps anneals from ${eps0} to ${eps1} over these ${n} iterations ` +
      `instead of the config's ${config.iterations}${keep}\n`,
  );
}
