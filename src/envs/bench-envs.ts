import { Rng } from '../core/rng.js';
import { median } from '../core/summary.js';
import { BALL_NAV_DEFAULTS, type BallNavTask, buildBallWorld } from './ball-nav.js';
import { buildRobot } from './build-robot.js';
import type { LeggedTask } from './legged-env.js';
import { stepRobot } from './physics-accuracy.js';
import { initRapier } from './rapier.js';
import { DEFAULT_FRAME_SKIP } from './rapier-env.js';
import { envDims, envEntry, makeEnv, makeVectorEnv } from './registry.js';
import { type RobotSpec, shippedRobot } from './robot-spec.js';

export interface EnvBenchRow {
  id: string;
  /** The robot's name, when a robot replaced the env's shipped one. */
  robot?: string;
  envStepsPerSec: number;
  bareStepsPerSec: number;
  ratio: number;
  vectorStepsPerSec: number;
  /** Rapier world steps a second (env steps x the robot's substeps). */
  physicsStepsPerSec: number;
}

const ACTION_POOL = 1024;

function actionPool(actDim: number): Float32Array[] {
  const rng = new Rng(1);
  return Array.from({ length: ACTION_POOL }, () =>
    Float32Array.from({ length: actDim }, () => rng.uniform(-1, 1)),
  );
}

/** Runs `stepOnce` for about `seconds` and returns its calls per second. */
function rate(seconds: number, stepOnce: (i: number) => void): number {
  let i = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    for (let k = 0; k < 64; k++) stepOnce(i++);
    now = performance.now();
  }
  return (i * 1000) / (now - start);
}

/**
 * A bare Rapier loop over the same world as env `id`: same builder, bodies, joints, timestep and action repeat,
 * motors driven by the same function, rebuilt at the same horizon; no observation, reward or checks.
 */
function bareLoop(
  id: string,
  task: unknown,
  horizon: number,
  actions: Float32Array[],
  robotSpec?: RobotSpec,
): (i: number) => void {
  if (id === 'ball-nav') {
    const t = task as BallNavTask;
    let built = buildBallWorld(t, BALL_NAV_DEFAULTS);
    const force = { x: 0, y: 0, z: 0 };
    return (i) => {
      if (i % horizon === horizon - 1) {
        built.world.free();
        built = buildBallWorld(t, BALL_NAV_DEFAULTS);
      }
      const a = actions[i % ACTION_POOL]!;
      const scale = BALL_NAV_DEFAULTS.maxForce * t.dynamics.motorStrength;
      for (let k = 0; k < DEFAULT_FRAME_SKIP; k++) {
        force.x = a[0]! * scale;
        force.z = a[1]! * scale;
        built.ball.resetForces(false);
        built.ball.addForce(force, true);
        built.world.step();
      }
    };
  }
  const t = task as LeggedTask;
  const spec = robotSpec ?? shippedRobot(id as 'cheetah' | 'ant');
  let robot = buildRobot(spec, t.dynamics, t.terrain);
  return (i) => {
    if (i % horizon === horizon - 1) {
      robot.world.free();
      robot = buildRobot(spec, t.dynamics, t.terrain);
    }
    stepRobot(robot, spec, actions[i % ACTION_POOL]!);
  };
}

function substepsOf(id: string, robot?: RobotSpec): number {
  if (id !== 'ant' && id !== 'cheetah') return DEFAULT_FRAME_SKIP;
  return (robot ?? shippedRobot(id)).substeps;
}

/**
 * Env steps/s of each env against a bare Rapier loop of the same world, measured interleaved in one run; with
 * `robot`, the legged envs (default ids: cheetah and ant) with that robot in place of their own.
 */
export async function benchEnvs(
  seconds: number,
  ids: readonly string[] = robotIds(undefined),
  robot?: RobotSpec,
): Promise<EnvBenchRow[]> {
  await initRapier();
  const rows: EnvBenchRow[] = [];
  for (const id of ids) {
    const entry = envEntry(id);
    const task = entry.defaultTask();
    const { actDim } = envDims(id, robot);
    const actions = actionPool(actDim);
    const env = await makeEnv(id, { task, robot });
    env.reset({ seed: 0 });
    const envStep = (i: number) => {
      const r = env.step(actions[i % ACTION_POOL]!);
      if (r.terminated || r.truncated) env.reset();
    };
    const bare = bareLoop(id, task, entry.maxEpisodeSteps, actions, robot);
    const venv = await makeVectorEnv(id, 16, { task, robot });
    venv.reset(0);
    const batch = new Float32Array(16 * actDim);
    actions.slice(0, 16).forEach((a, k) => {
      batch.set(a, k * actDim);
    });
    // Alternate short windows so machine noise hits both loops alike; the ratio is the median of paired ratios.
    const rounds = Math.max(6, Math.round(seconds * 4));
    const window = seconds / rounds;
    const envRates: number[] = [];
    const bareRates: number[] = [];
    const ratios: number[] = [];
    const vectorRates: number[] = [];
    for (let round = 0; round < rounds; round++) {
      envRates.push(rate(window, envStep));
      bareRates.push(rate(window, bare));
      ratios.push(envRates[round]! / bareRates[round]!);
      vectorRates.push(16 * rate(window / 2, () => venv.step(batch)));
    }
    const envStepsPerSec = median(envRates);
    rows.push({
      id,
      ...(robot ? { robot: robot.name } : {}),
      envStepsPerSec: Math.round(envStepsPerSec),
      bareStepsPerSec: Math.round(median(bareRates)),
      ratio: Number(median(ratios).toFixed(3)),
      vectorStepsPerSec: Math.round(median(vectorRates)),
      physicsStepsPerSec: Math.round(envStepsPerSec * substepsOf(id, robot)),
    });
    env.close();
    venv.close();
  }
  return rows;
}

/** The envs benchmarked by default: all of them, or with a robot those that take one. */
export function robotIds(robot: RobotSpec | undefined): string[] {
  return ['ball-nav', 'cheetah', 'ant'].filter((id) => !robot || envEntry(id).robot);
}
