import type cliProgress from 'cli-progress';
import type { Subscription } from 'rxjs';
import type { Trainer } from '../meta/trainer.js';

/**
 * Iterations as people count them, from 1: metrics.jsonl's and the viewer stream's `"iteration": 0` (a 0-based
 * index, part of the saved data) is shown as "iter 1/200" here, in the viewer's HUD and charts and in the plots.
 */
export function iterationLabel(index: number, total: number): string {
  return `iter ${index + 1}/${total}`;
}

/**
 * Progress inside a meta-iteration (an ant iteration is many seconds of episodes): on the bar, its tasks adapted so
 * far (payload `jobs`, cleared when the iteration ends); without a bar, one indented line per finished job of the
 * run's first iteration, so a log shows the run is alive before the first metrics line.
 */
export function followJobs(trainer: Trainer, bar: cliProgress.SingleBar | null): Subscription {
  const { config } = trainer;
  const what = config.algo === 'pretrain' ? 'jobs done' : 'tasks adapted';
  const jobsSub = trainer.jobs$.subscribe((p) => {
    const text = `${what} ${p.jobsDone}/${p.jobs}`;
    if (bar) bar.update({ jobs: ` | ${iterationLabel(p.iteration, config.iterations)} running: ${text}` });
    else if (p.iteration === trainer.startIteration)
      process.stdout.write(
        `  ${iterationLabel(p.iteration, config.iterations)}: ${text}` +
          `${p.envSteps > 0 ? `, ${p.envSteps} env steps` : ''}\n`,
      );
  });
  if (bar) jobsSub.add(trainer.streams.metrics$.subscribe(() => bar.update({ jobs: '' })));
  return jobsSub;
}
