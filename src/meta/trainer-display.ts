/**
 * What a training run shows live: display episodes alternating between the meta-init and its adaptation to the
 * watched task of the last meta-batch, simulated only while a page watches (live-rollouts.ts), and the controls a
 * page may use (which task, pause, speed).
 */
import { BehaviorSubject, EMPTY, type Observable } from 'rxjs';
import { deriveSeed } from '../core/rng.js';
import { isSineConfig, type TrainConfig } from './config.js';
import type { FrameEvent, SceneEvent } from './events.js';
import type { AdaptResult, MetaLearner } from './meta-learner.js';

/** The live display state that live-rollouts reads: which task, which params. */
export interface DisplayState {
  task: unknown;
  taskIndex: number;
  k: number;
  params: Float32Array;
  obsNorm: unknown | null;
  /** The adapted task context (context learner), null for the init (a zero context) and other learners. */
  context: Float32Array | null;
}

export interface TrainerDisplay {
  scenes$: Observable<SceneEvent>;
  frames$: Observable<FrameEvent>;
  readonly speed$: BehaviorSubject<number>;
  readonly paused$: BehaviorSubject<boolean>;
  /** Which task of the meta-batch the display follows. */
  watch(taskIndex: number): void;
  /** The meta-batch just adapted, and after how many inner updates its results are. */
  recordBatch(tasks: unknown[], results: AdaptResult[], k: number): void;
}

export async function trainerDisplay(
  config: TrainConfig,
  runId: string,
  learner: MetaLearner,
  /** The current meta-init. */
  init: () => { params: Float32Array; obsNorm: unknown | null },
): Promise<TrainerDisplay> {
  let watched = 0;
  let lastBatch: { tasks: unknown[]; results: AdaptResult[]; k: number } | null = null;
  let showAdapted = false;
  const display = (): DisplayState => {
    const base = { ...init(), context: null };
    if (!lastBatch) {
      const task = learner.sampleTasks(1, deriveSeed(config.seed, 0xd15))[0];
      return { task, taskIndex: 0, k: 0, ...base };
    }
    const i = Math.min(watched, lastBatch.tasks.length - 1, lastBatch.results.length - 1);
    showAdapted = !showAdapted;
    const result = lastBatch.results[i]!;
    return showAdapted
      ? {
          task: lastBatch.tasks[i],
          taskIndex: i,
          k: lastBatch.k,
          params: result.params,
          obsNorm: result.obsNorm,
          context: result.context,
        }
      : { task: lastBatch.tasks[i], taskIndex: i, k: 0, ...base };
  };
  const speed$ = new BehaviorSubject(1);
  const paused$ = new BehaviorSubject(false);
  let scenes$: Observable<SceneEvent> = EMPTY;
  let frames$: Observable<FrameEvent> = EMPTY;
  if (!isSineConfig(config)) {
    const { liveRollouts } = await import('./live-rollouts.js');
    let current: DisplayState | null = null;
    ({ scenes$, frames$ } = liveRollouts({
      runId,
      run: config,
      speed$,
      paused$,
      getTask: () => {
        current = display();
        return { task: current.task, taskIndex: current.taskIndex, k: current.k };
      },
      getParams: () => {
        const shown = current ?? display();
        return { params: shown.params, obsNorm: shown.obsNorm, context: shown.context };
      },
    }));
  }
  return {
    scenes$,
    frames$,
    speed$,
    paused$,
    watch: (taskIndex) => {
      watched = taskIndex;
    },
    recordBatch: (tasks, results, k) => {
      lastBatch = { tasks, results, k };
    },
  };
}
