/**
 * The worker-thread side of ppo-value-thread.ts, as one long piscina task an adapt call: a copy of the policy whose
 * value net it updates, one update a message on its port (until the port closes), meeting the updating thread once a
 * minibatch. An error is written to the shared state (the updating thread is blocked in Atomics.wait and would not
 * see a message).
 */
import { type BackendName, initBackend } from './backend.js';
import { clipScale, ppoAdam } from './host-adam.js';
import { GaussianPolicy } from './policy.js';
import { ValueLearner } from './ppo-value-learner.js';
import {
  CTRL,
  readMoments,
  reportError,
  signal,
  type UpdateMessage,
  type ValueWorkerData,
  waitFor,
  writeMoments,
} from './ppo-value-thread.js';

/** One update: epochs of minibatches until the updating thread says stop; then the weights go back. */
function update(
  message: UpdateMessage,
  learner: ValueLearner,
  policy: GaussianPolicy,
  data: ValueWorkerData,
) {
  const { state, terms } = data;
  policy.setParams(message.params);
  learner.begin(message.batch, message.learningRate);
  const { n } = message.batch;
  const size = message.minibatchSize;
  let mbGen = message.mbGen;
  let epochGen = message.epochGen;
  for (;;) {
    waitFor(state, CTRL.epoch, ++epochGen, 'epoch');
    if (Atomics.load(state.ctrl, CTRL.epochCmd) === 0) break;
    for (let start = 0; start + size <= n; start += size) {
      const own = learner.gradient(message.order.subarray(start, start + size), start + 2 * size > n);
      mbGen += 1;
      state.norms[2 + (mbGen % 2)] = own;
      signal(state, CTRL.workerMb, mbGen);
      waitFor(state, CTRL.mainMb, mbGen, 'minibatch');
      learner.step(clipScale(state.norms[mbGen % 2]! + own, terms.maxGradNorm));
    }
  }
  let offset = 0;
  for (const v of policy.variablesOf('vf')) {
    state.params.set(v.dataSync() as Float32Array, offset);
    offset += v.size;
  }
  state.vLoss[0] = learner.lastVLoss();
  const moments = learner.moments();
  if (moments) writeMoments(state.moments, moments);
}

export default async function valueWorker(data: ValueWorkerData): Promise<void> {
  const { state } = data;
  const port = data.port!;
  let learner: ValueLearner | null = null;
  let policy: GaussianPolicy | null = null;
  try {
    await initBackend(data.backend as BackendName);
    policy = GaussianPolicy.create(data.policyConfig, data.obsDim, data.actDim, 0);
    const adam = ppoAdam(data.learningRate);
    const start = readMoments(state.moments);
    if (start) adam.restore(start);
    learner = new ValueLearner(policy, data.terms, adam);
  } catch (error) {
    reportError(state, error);
    port.postMessage(error instanceof Error ? error.message : String(error));
    port.close();
    return;
  }
  port.postMessage('ready');
  let updates = 0;
  await new Promise<void>((resolve) => {
    port.on('close', resolve);
    port.on('message', (message: UpdateMessage) => {
      try {
        update(message, learner!, policy!, data);
        signal(state, CTRL.done, ++updates);
      } catch (error) {
        reportError(state, error);
      }
    });
  });
  learner.dispose();
  policy.dispose();
}
