/**
 * `npm run bench -- physics [--env ant,cheetah] [--settings LIST] [--seconds S] [--seeds N]`: physics settings as
 * measured trade-offs. For each setting of a robot (substeps per 0.05 s env step, Rapier solver iterations, PGS
 * passes, torques set every substep or once per env step): env steps/s of the real env under random actions against
 * the first setting (medians of paired, interleaved windows, so machine noise hits all alike), and its accuracy:
 * joint gaps and blow-ups at full torque on the hardest terrains, energy drift of the floating robot
 * (src/envs/physics-accuracy.ts). A setting reads SUBSTEPSxITERATIONS[xPGS] then s (torques every substep) or t
 * (once per env step). Default: the settings before the physics issue (5x4s), the shipped one, and neighbours.
 */
import { Command } from 'commander';
import { Rng } from '../src/core/rng.js';
import { median } from '../src/core/summary.js';
import { defaultAntTask } from '../src/envs/ant.js';
import { defaultCheetahTask } from '../src/envs/cheetah.js';
import { LeggedEnv } from '../src/envs/legged-env.js';
import { energyDrift, fullTorqueReport } from '../src/envs/physics-accuracy.js';
import { initRapier } from '../src/envs/rapier.js';
import { type RobotSpec, shippedRobot } from '../src/envs/robot-spec.js';

type Robot = 'ant' | 'cheetah';
const DEFAULT_SETTINGS: Record<Robot, string> = {
  ant: '5x4s,shipped,5x4t,4x3x2t,3x3x3t,2x4x4t',
  cheetah: '5x4s,shipped,5x4t,3x4x2t,3x3x3t,2x4x4t',
};

function settingName(spec: RobotSpec): string {
  const pgs = spec.pgsIterations === 1 ? '' : `x${spec.pgsIterations}`;
  return `${spec.substeps}x${spec.solverIterations}${pgs}${spec.torqueUpdate === 'substep' ? 's' : 't'}`;
}

function withSetting(spec: RobotSpec, setting: string): RobotSpec {
  if (setting === 'shipped') return spec;
  const m = /^(\d+)x(\d+)(?:x(\d+))?([st])$/.exec(setting);
  if (!m) throw new Error(`--settings: expected SUBSTEPSxITERATIONS[xPGS](s|t) like 5x4s, got "${setting}"`);
  return {
    ...spec,
    substeps: Number(m[1]),
    solverIterations: Number(m[2]),
    pgsIterations: Number(m[3] ?? 1),
    torqueUpdate: m[4] === 's' ? 'substep' : 'step',
  };
}

/** Env steps per second of `env` under the action pool for `seconds`, resetting every 200 steps or on a fall. */
function stepsPerSec(env: LeggedEnv, actions: Float32Array[], seconds: number): number {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    for (let k = 0; k < 32; k++, n++) {
      const r = env.step(actions[n % actions.length]!);
      if (r.terminated || n % 200 === 199) env.reset();
    }
  }
  return (n * 1000) / (performance.now() - start);
}

function benchRobot(robot: Robot, settings: string[], seconds: number, seeds: number): void {
  const base = shippedRobot(robot);
  const specs = settings.map((s) => withSetting(base, s));
  const task = robot === 'ant' ? defaultAntTask() : defaultCheetahTask();
  const envs = specs.map((spec) => new LeggedEnv(robot, spec, task));
  const rng = new Rng(1);
  const actions = Array.from({ length: 1024 }, () =>
    Float32Array.from(base.joints, () => rng.uniform(-1, 1)),
  );
  for (const env of envs) env.reset({ seed: 0 });
  const rounds = 10;
  const rates = specs.map(() => [] as number[]);
  const ratios = specs.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    const ref = stepsPerSec(envs[0]!, actions, seconds / rounds);
    rates[0]!.push(ref);
    for (let i = 1; i < envs.length; i++) {
      rates[i]!.push(stepsPerSec(envs[i]!, actions, seconds / rounds));
      ratios[i]!.push(rates[i]!.at(-1)! / ref);
    }
  }
  for (const env of envs) env.close();
  console.log(
    `\n${robot}: ${rounds} paired windows of ${(seconds / rounds).toFixed(1)} s; full torque: ${seeds} seeds x 5 terrains`,
  );
  console.log('setting | env steps/s | x first | mean gap mm | max gap mm | blow-ups | energy drift %');
  console.log('---|---|---|---|---|---|---');
  specs.forEach((spec, i) => {
    const torque = fullTorqueReport(spec, { seeds });
    const name = settings[i] === 'shipped' ? `${settingName(spec)} (shipped)` : settings[i];
    const row = [
      name,
      Math.round(median(rates[i]!)),
      (i === 0 ? 1 : median(ratios[i]!)).toFixed(2),
      (torque.meanGap * 1000).toFixed(2),
      (torque.maxGap * 1000).toFixed(1),
      `${torque.blowUps}/${torque.runs}`,
      (energyDrift(spec) * 100).toFixed(2),
    ];
    console.log(row.join(' | '));
  });
}

export async function run(args: string[]): Promise<void> {
  const opts = new Command()
    .option('--env <list>', 'robots', 'ant,cheetah')
    .option('--settings <list>', 'settings to compare, the first is the reference')
    .option('--seconds <s>', 'timing seconds per setting', Number, 20)
    .option('--seeds <n>', 'full-torque runs per terrain', Number, 2)
    .parse(args, { from: 'user' })
    .opts<{ env: string; settings?: string; seconds: number; seeds: number }>();
  await initRapier();
  for (const robot of opts.env.split(',') as Robot[]) {
    const settings = (opts.settings ?? DEFAULT_SETTINGS[robot]).split(',');
    benchRobot(robot, settings, opts.seconds, opts.seeds);
  }
}
