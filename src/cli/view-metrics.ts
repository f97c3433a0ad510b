/** A finished run's training curve for the viewer: RUN/metrics.jsonl as the metrics events training published. */
import { readMetrics } from '../meta/eval/run-eval.js';
import type { MetricsEvent } from '../meta/events.js';

export async function recordedMetrics(runDir: string, runId: string): Promise<MetricsEvent[]> {
  return (await readMetrics(runDir)).map((line) => ({
    runId,
    iteration: line.iteration,
    returnBefore: line.returnBefore,
    returnAfter: line.returnAfter,
    eps: line.eps,
    envSteps: line.totalEnvSteps,
    wallSeconds: line.totalWallSeconds,
  }));
}
