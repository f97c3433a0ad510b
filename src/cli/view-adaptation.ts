/**
 * What `terrarium view` adapts and shows: the current task, and beside the meta-init (k = 0) the policy after
 * k = 1..K inner updates, each robot added to the side-by-side display as soon as its adaptation is done. Tasks come
 * from the run's task list in turn or from a page, each held for a few display episodes once complete (a page's
 * longer), then the list goes on. Each step adapts from the meta-init with the same seed, cut at k updates, the
 * way eval measures it (a context learner's weight phase is left out: eval and training's returns measure the
 * context alone). Only one step is computed ahead of what is shown: with no page watching, nothing is computed.
 */
import { ReplaySubject, Subject } from 'rxjs';
import { TerrariumError } from '../core/errors.js';
import { deriveSeed } from '../core/rng.js';
import type { AdaptationEvent, AdaptingEvent, TaskSource } from '../meta/events.js';
import type { AdaptJob, AdaptResult, MetaLearner } from '../meta/meta-learner.js';
import type { Lane } from '../meta/side-by-side-rollouts.js';
import type { ViewTasks } from './view-tasks.js';

/** Display episodes a completed task stays on before the next one: one of the run's list, one a page chose. */
const HOLD_EPISODES = 2;
const PAGE_HOLD_EPISODES = 4;

export interface ViewAdaptationOptions {
  runId: string;
  /** The checkpoint's iteration: how many meta-iterations the meta-init has had. */
  iteration: number;
  learner: MetaLearner;
  run: (job: AdaptJob) => Promise<AdaptResult>;
  init: { params: Float32Array; obsNorm: unknown | null };
  /** The run's tasks in turn, or the one a page sent (view-tasks.ts). */
  tasks: ViewTasks;
  /** Inner updates shown beside the meta-init (K). */
  steps: number;
  seed: number;
}

export interface ViewAdaptation {
  adaptation$: Subject<AdaptationEvent>;
  adapting$: ReplaySubject<AdaptingEvent>;
  /** For the display, at the start of each episode: the task and its robots ready so far. */
  next(): { task: unknown; taskIndex: number; lanes: Lane[] };
  /** A page sent or selected a task (in `tasks`): it is adapted next, interrupting the current one. */
  taskChanged(): void;
  close(): Promise<void>;
}

interface Current {
  task: unknown;
  taskIndex: number;
  source: TaskSource;
  lanes: Lane[];
  /** Display episodes started since the last lane was added. */
  shown: number;
}

export function viewAdaptation(options: ViewAdaptationOptions): ViewAdaptation {
  const { runId, iteration, learner, init, tasks, steps } = options;
  const adaptation$ = new Subject<AdaptationEvent>();
  // The hub subscribes after the first task was chosen: it gets the latest on subscribing.
  const adapting$ = new ReplaySubject<AdaptingEvent>(1);
  // Events name the last iteration the meta-init includes by its metrics.jsonl index (0-based), as training does.
  const lastIteration = Math.max(0, iteration - 1);
  const initLane: Lane = { k: 0, params: init.params, obsNorm: init.obsNorm, context: null };
  let current: Current | null = null;
  let stopped = false;
  let generation = 0;
  let wake: () => void = () => {};
  const waitUntil = async (done: () => boolean, gen: number) => {
    while (!done() && !stopped && gen === generation) await new Promise<void>((resolve) => (wake = resolve));
    return !stopped && gen === generation;
  };

  const start = ({ task, taskIndex, source }: ReturnType<ViewTasks['take']>): Current => {
    adapting$.next({ runId, task, taskIndex, source, steps });
    return { task, taskIndex, source, lanes: [initLane], shown: 0 };
  };

  const adapt = async (shown: Current, gen: number, round: number) => {
    const seed = deriveSeed(options.seed, round, shown.taskIndex);
    for (let k = 1; k <= steps; k++) {
      // One step ahead of the display: the robots so far must have been on screen first.
      if (!(await waitUntil(() => shown.shown > 0, gen))) return;
      const job = learner.job({
        iteration,
        taskIndex: shown.taskIndex,
        params: init.params,
        obsNorm: init.obsNorm,
        task: shown.task,
        seed,
      });
      if (job.kind !== 'rl') throw new TerrariumError('--run', runId, 'a run of a simulated env');
      const result = await options.run({ ...job, spec: { ...job.spec, steps: k, weights: null } });
      if (stopped || gen !== generation) return;
      const { returns, speeds } = result.stats;
      const event = (j: number): AdaptationEvent => ({
        runId,
        iteration: lastIteration,
        taskIndex: shown.taskIndex,
        task: shown.task,
        k: j,
        return: returns[j]!,
        ...(speeds?.[j] === undefined ? {} : { meanSpeed: speeds[j] }),
      });
      if (k === 1) adaptation$.next(event(0));
      adaptation$.next(event(k));
      shown.lanes = [
        ...shown.lanes,
        { k, params: result.params, obsNorm: result.obsNorm, context: result.context },
      ];
      shown.shown = 0;
      wake();
    }
  };

  const produce = async () => {
    for (let round = 0; !stopped; round++) {
      const gen = generation;
      current = start(tasks.take());
      const shown = current;
      await adapt(shown, gen, round);
      const hold = shown.source.kind === 'page' ? PAGE_HOLD_EPISODES : HOLD_EPISODES;
      await waitUntil(() => shown.shown >= hold, gen);
    }
  };
  const producing = produce().catch((error) => {
    process.stderr.write(`terrarium view: ${(error as Error).message}\n`);
  });

  return {
    adaptation$,
    adapting$,
    next() {
      const shown = current ?? start(tasks.take());
      current = shown;
      shown.shown++;
      wake();
      return { task: shown.task, taskIndex: shown.taskIndex, lanes: shown.lanes };
    },
    taskChanged() {
      generation++;
      wake();
    },
    async close() {
      stopped = true;
      wake();
      await producing;
      adaptation$.complete();
      adapting$.complete();
    },
  };
}
