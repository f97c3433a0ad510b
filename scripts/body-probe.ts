/**
 * What can a robot body do, before any learning? For a robot spec (shipped or a file), optionally with density and
 * gear scaled, measures:
 *   - stability at full torque: bang-bang actions (every joint at +-1, switching at random) on every terrain,
 *     the largest and mean joint gap (distance between a hinge's anchor on its parent and on its child, m) and
 *     the episodes that blew up (physics_unstable);
 *   - the fastest open-loop gait of a random search over sinusoids (per joint: amplitude, phase; one frequency),
 *     as mean speed along +x over a 200-step episode (m/s): a floor on what a policy can reach.
 *   npx tsx scripts/body-probe.ts --env ant [--robot FILE] [--density-scale 0.25] [--gear-scale 2.5] [--gaits 200]
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { Rng } from '../src/core/rng.js';
import { applyJointTorques, buildRobot } from '../src/envs/build-robot.js';
import { jointGapMeter } from '../src/envs/joint-gap.js';
import { initRapier } from '../src/envs/rapier.js';
import { DEFAULT_FRAME_SKIP } from '../src/envs/rapier-env.js';
import { movingJoints, parseRobotSpec, type RobotSpec, shippedRobot } from '../src/envs/robot-spec.js';
import { NOMINAL_DYNAMICS } from '../src/envs/task.js';
import type { Terrain } from '../src/envs/terrain.js';

const opts = new Command()
  .option('--env <id>', 'ant | cheetah', 'ant')
  .option('--robot <file>', 'robot spec JSON (default: the shipped one)')
  .option('--density-scale <x>', 'multiply every body density', Number, 1)
  .option('--gear-scale <x>', 'multiply every joint gear', Number, 1)
  .option('--damping-scale <x>', 'multiply every joint damping', Number, 1)
  .option('--armature <x>', 'set every joint armature (kg m^2)', Number)
  .option('--solver-iterations <n>', 'Rapier solver iterations', Number)
  .option('--gaits <n>', 'open-loop gaits tried', Number, 200)
  .option('--seed <n>', 'search seed', Number, 0)
  .parse()
  .opts<{
    env: 'ant' | 'cheetah';
    robot?: string;
    densityScale: number;
    gearScale: number;
    dampingScale: number;
    armature?: number;
    solverIterations?: number;
    gaits: number;
    seed: number;
  }>();

await initRapier();
const base = opts.robot
  ? parseRobotSpec(JSON.parse(readFileSync(opts.robot, 'utf8')))
  : shippedRobot(opts.env);
const spec: RobotSpec = {
  ...base,
  bodies: base.bodies.map((b) => ({
    ...b,
    density: b.density === undefined ? undefined : b.density * opts.densityScale,
  })),
  joints: base.joints.map((j) =>
    j.type === 'fixed'
      ? j
      : {
          ...j,
          gear: j.gear === undefined ? undefined : j.gear * opts.gearScale,
          damping: j.damping * opts.dampingScale,
          armature: opts.armature ?? j.armature,
        },
  ),
  solverIterations: opts.solverIterations ?? base.solverIterations,
};
const TERRAINS: Terrain[] = [
  { kind: 'flat' },
  { kind: 'slope', angle: 0.3 },
  { kind: 'stairs', stepHeight: 0.15, stepWidth: 0.6 },
  { kind: 'rough', amplitude: 0.3, scale: 1.5, seed: 7 },
];
const STEPS = 200;

const meter = jointGapMeter(spec);

/** Runs one episode with `policy(t, out)` writing the action; returns speed along +x and joint-gap stats. */
function episode(terrain: Terrain, policy: (t: number, out: Float64Array) => void) {
  const robot = buildRobot(spec, NOMINAL_DYNAMICS, terrain);
  const action = new Float64Array(movingJoints(spec).length);
  let maxGap = 0;
  let sumGap = 0;
  let gaps = 0;
  let unstable = false;
  const x0 = robot.root.translation().x;
  try {
    for (let t = 0; t < STEPS && !unstable; t++) {
      policy(t, action);
      for (let s = 0; s < DEFAULT_FRAME_SKIP; s++) {
        applyJointTorques(robot, action);
        robot.world.step();
      }
      for (const gap of meter(robot)) {
        if (!Number.isFinite(gap) || gap > 1) unstable = true;
        maxGap = Math.max(maxGap, gap);
        sumGap += gap;
        gaps++;
      }
    }
    const x1 = robot.root.translation().x;
    const height = robot.root.translation().y;
    return { speed: (x1 - x0) / (STEPS * 0.05), maxGap, meanGap: sumGap / gaps, unstable, height };
  } finally {
    robot.world.free();
  }
}

const rng = new Rng(opts.seed);
const n = movingJoints(spec).length;
const massKg = (() => {
  const r = buildRobot(spec, NOMINAL_DYNAMICS, { kind: 'flat' });
  const m = r.bodies.reduce((s, body) => s + body.mass(), 0);
  r.world.free();
  return m;
})();
console.log(
  `${spec.name}: mass ${massKg.toFixed(2)} kg, gears ${movingJoints(spec)
    .map((j) => j.gear)
    .join(',')}`,
);

for (const terrain of TERRAINS) {
  let maxGap = 0;
  let meanGap = 0;
  let blowUps = 0;
  const episodes = 5;
  for (let e = 0; e < episodes; e++) {
    const signs = Float64Array.from({ length: n }, () => (rng.float() < 0.5 ? -1 : 1));
    const r = episode(terrain, (_t, out) => {
      for (let i = 0; i < n; i++) if (rng.float() < 0.2) signs[i] = -signs[i]!;
      out.set(signs);
    });
    maxGap = Math.max(maxGap, r.maxGap);
    meanGap += r.meanGap / episodes;
    if (r.unstable) blowUps++;
  }
  console.log(
    `full torque on ${terrain.kind}: joint gap mean ${(meanGap * 1000).toFixed(1)} mm, max ${(maxGap * 1000).toFixed(1)} mm, blow-ups ${blowUps}/${episodes}`,
  );
}

let best = { speed: Number.NEGATIVE_INFINITY, height: 0 };
for (let g = 0; g < opts.gaits; g++) {
  const freq = rng.uniform(0.5, 4);
  const amp = Float64Array.from({ length: n }, () => rng.uniform(0, 1));
  const phase = Float64Array.from({ length: n }, () => rng.uniform(0, 2 * Math.PI));
  const r = episode({ kind: 'flat' }, (t, out) => {
    for (let i = 0; i < n; i++)
      out[i] = amp[i]! * Math.sign(Math.sin(2 * Math.PI * freq * t * 0.05 + phase[i]!));
  });
  if (!r.unstable && r.speed > best.speed) best = r;
}
console.log(
  `best open-loop gait of ${opts.gaits}: ${best.speed.toFixed(2)} m/s along +x (torso height ${best.height.toFixed(2)} m)`,
);
