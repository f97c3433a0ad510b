// Terrarium as a library, top to bottom: an env and a policy, a (tiny) meta-training run, its evaluation, and its
// meta-init adapted to one task and exported as a TensorFlow.js LayersModel.   node examples/quickstart.mjs [runDir]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate, exportPolicy, GaussianPolicy, listEnvs, loadPolicy, makeEnv, Rng, train } from 'terrarium';

// 1. One episode of ball-nav with a fresh policy (actions sampled around the mean; the env clips them).
// A task is plain JSON: the env's default task with another goal.
const task = {
  ...listEnvs()
    .find((e) => e.id === 'ball-nav')
    .defaultTask(),
  goal: { kind: 'position', position: [1, 0.5] },
};
const env = await makeEnv('ball-nav', { task });
const [obsDim] = env.observationSpace.shape;
const [actDim] = env.actionSpace.shape;
const fresh = GaussianPolicy.create({ hiddenSizes: [32] }, obsDim, actDim, 0);
const rng = new Rng(0);
let { obs } = env.reset({ seed: 0 });
let episodeReturn = 0;
for (let done = false; !done; ) {
  const step = env.step(fresh.act(obs, rng).actions);
  episodeReturn += step.reward;
  obs = step.obs;
  done = step.terminated || step.truncated;
}
fresh.dispose();
env.close();
console.log(`fresh policy: return ${episodeReturn.toFixed(2)}`);

// 2. Reptile meta-training (a real run is configs/ball-nav/ablations/reptile.json; this one is sized for a smoke test).
const runDir = process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'terrarium-quickstart-')));
const config = {
  env: 'ball-nav',
  iterations: 2,
  metaBatchSize: 2,
  maxEpisodeSteps: 20,
  inner: { steps: 1, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.3, baseline: 'linear' } },
  policy: { hiddenSizes: [16], valueFunction: false },
  workers: 0,
};
const summary = await train(config, {
  outDir: runDir,
  force: true,
  onIteration: (m) =>
    console.log(
      `iteration ${m.iteration}: return ${m.returnBefore.toFixed(2)} -> ${m.returnAfter.toFixed(2)}`,
    ),
});
console.log(`trained ${summary.iterations} iterations into ${runDir}`);

// 3. Held-out evaluation: mean return after 0 and 1 inner updates, meta-init against a random init.
const report = await evaluate(runDir, { k: 1, tasks: 2, seeds: 1, baselines: ['random'] });
for (const [name, m] of Object.entries(report.methods))
  console.log(`${name}: ${m.mean.map((r) => r.toFixed(2)).join(' -> ')}`);

// 4. The meta-init adapted one update to a task, exported for tf.loadLayersModel (docs/api.md shows the loading).
const adapted = await loadPolicy(runDir, { k: 1, task });
const metadata = await exportPolicy(adapted, join(runDir, 'model'));
const mean = adapted.meanActions(new Float32Array(obsDim));
adapted.dispose();
console.log(
  `exported ${join(runDir, 'model', 'model.json')} (obs ${metadata.obsDim}, act ${metadata.actDim}); action at obs 0: ${Array.from(mean, (a) => a.toFixed(3))}`,
);
