import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LeggedTask } from '../../src/envs/legged-env.js';
import { envEntry } from '../../src/envs/registry.js';
import { type TaskDistribution, trainingTaskOptions } from '../../src/envs/task.js';

const legged = (id: 'ant' | 'cheetah', options: object = {}) =>
  envEntry(id).distribution(options) as TaskDistribution<LeggedTask>;

/** Short hash of a distribution's first test tasks, draws from its training pool and free samples. */
function fingerprint(dist: TaskDistribution<unknown>): string {
  const drawn = { test: dist.testTasks(20), train: dist.sampleTrain(20, 1), sample: dist.sample(20, 0) };
  return createHash('sha256').update(JSON.stringify(drawn)).digest('hex').slice(0, 16);
}

const key = (task: unknown) => JSON.stringify(task);

describe('existing task distributions are unchanged', () => {
  it('draw the tasks they drew before crippled legs, forward directions and harder pools existed', () => {
    // Saved runs and shipped configs name these tasks. The draws of main at aaff5e4 (before issue 26), as the seeding
    // fix of c99f4c6 changed them (every seeded draw changed there; before it: e325d933beb2fb2f, d613442ce0b992fc,
    // 9f34bcc3136a3cd5, 4160001a46f8633d).
    expect(fingerprint(legged('ant'))).toBe('ef933c1a5f8105cb');
    expect(fingerprint(legged('cheetah'))).toBe('df80150986b56abd');
    const terrains = { terrains: ['flat', 'slope', 'stairs', 'rough'], perBodyMass: true };
    expect(fingerprint(legged('ant', terrains))).toBe('a944279f9dce88fb');
    expect(fingerprint(legged('cheetah', { goal: 'direction' }))).toBe('d1249c35af384fd9');
    // ... and carry no crippledLeg field, so their oracle features stay what they were.
    for (const task of legged('ant').testTasks(100)) expect('crippledLeg' in task.dynamics).toBe(false);
  });

  it('adding a harder pool leaves the train and test pools as they were', () => {
    const options = { terrains: ['flat', 'slope'], friction: [0.5, 1], trainSize: 50, testSize: 20 };
    const plain = legged('ant', options);
    const withHarder = legged('ant', { ...options, harder: { friction: [0.1, 0.2] }, harderSize: 30 });
    expect(withHarder.testTasks(20)).toEqual(plain.testTasks(20));
    expect(withHarder.sampleTrain(500, 3)).toEqual(plain.sampleTrain(500, 3));
    expect(withHarder.sample(10, 4)).toEqual(plain.sample(10, 4));
    expect([plain.harderSize, withHarder.harderSize]).toEqual([0, 30]);
  });
});

describe('crippled legs in a distribution', () => {
  it('a share crippleProbability of the tasks loses a leg, each leg of the robot alike; the rest say null', () => {
    for (const [id, legs] of [
      ['ant', 4],
      ['cheetah', 2],
    ] as const) {
      const tasks = legged(id, { crippleProbability: 0.25 }).sample(2000, 5);
      const crippled = tasks.map((t) => t.dynamics.crippledLeg);
      expect(
        crippled.every((leg) => leg === null || (Number.isInteger(leg) && leg! >= 0 && leg! < legs)),
      ).toBe(true);
      // Binomial(2000, 0.25): mean 500, sd 19.4; 5 sd either side.
      const count = crippled.filter((leg) => leg !== null).length;
      expect(count).toBeGreaterThan(400);
      expect(count).toBeLessThan(600);
      for (let leg = 0; leg < legs; leg++) {
        const share = crippled.filter((l) => l === leg).length / count;
        expect(Math.abs(share - 1 / legs)).toBeLessThan(0.1);
      }
    }
    const never = legged('ant', { crippleProbability: 0 }).sample(100, 5);
    expect(never.every((t) => t.dynamics.crippledLeg === null)).toBe(true);
  });

  it('every drawn task passes the env schema and builds', () => {
    const schema = envEntry('ant').taskSchema;
    for (const task of legged('ant', { crippleProbability: 1 }).testTasks(20))
      expect(schema.safeParse(task).success).toBe(true);
  });

  it('bad options name the field, the value and what is allowed', () => {
    expect(() => legged('ant', { crippleProbability: 1.5 })).toThrow(
      'tasks.crippleProbability: expected a value <= 1, got 1.5',
    );
    expect(() => legged('ant', { harder: { crippleProbability: 0.5 } })).toThrow(
      'tasks.harder.crippleProbability: expected unset unless tasks.crippleProbability is set too (0 is allowed: no training task is crippled), got 0.5',
    );
  });
});

describe('crippledShare: how often meta-training draws a crippled-leg task', () => {
  const base = { friction: [0.2, 1.5], crippleProbability: 0.25, trainSize: 400, testSize: 40 };
  const crippledIn = (tasks: LeggedTask[]) => tasks.filter((t) => t.dynamics.crippledLeg !== null).length;

  it('draws that share of crippled tasks from the same training pool; the held-out tasks stay as they were', () => {
    const plain = legged('ant', base);
    const half = legged('ant', { ...base, crippledShare: 0.5 });
    expect(half.testTasks(40)).toEqual(plain.testTasks(40));
    expect(half.sample(20, 3)).toEqual(plain.sample(20, 3));
    const [drawn, uniform] = [half.sampleTrain(2000, 7), plain.sampleTrain(2000, 7)];
    // Binomial(2000, 0.5): sd 22; the pool's own share is about 0.25.
    expect(Math.abs(crippledIn(drawn) - 1000)).toBeLessThan(110);
    expect(crippledIn(uniform)).toBeLessThan(650);
    // Only training tasks, every one of them a task the uniform draws also reach, the same for a seed.
    const test = new Set(plain.testTasks(40).map(key));
    const pool = new Set(plain.sampleTrain(20_000, 1).map(key));
    expect(drawn.every((t) => !test.has(key(t)) && pool.has(key(t)))).toBe(true);
    expect(half.sampleTrain(50, 7)).toEqual(drawn.slice(0, 50));
    expect(crippledIn(legged('ant', { ...base, crippledShare: 1 }).sampleTrain(200, 2))).toBe(200);
    expect(crippledIn(legged('ant', { ...base, crippledShare: 0 }).sampleTrain(200, 2))).toBe(0);
  });

  it('is refused without crippled legs or beside a curriculum, naming the field', () => {
    expect(() => legged('ant', { crippledShare: 0.5 })).toThrow(
      'tasks.crippledShare: expected unset unless tasks.crippleProbability is set, got 0.5',
    );
    const curriculum = { levels: 2, promoteAbove: 40, demoteBelow: 10 };
    expect(() => legged('ant', { ...base, crippledShare: 0.5, curriculum })).toThrow(
      'tasks.crippledShare: expected unset with tasks.curriculum (the curriculum draws its tasks by level), got 0.5',
    );
    expect(() =>
      legged('ant', { ...base, crippleProbability: 0, crippledShare: 0.5 }).sampleTrain(1, 0),
    ).toThrow(
      'tasks.crippledShare: expected 0 or 1: none of the 400 training tasks are of its kind, got 0.5',
    );
    expect(() => legged('ant', { ...base, crippledShare: 1.5 })).toThrow(
      'tasks.crippledShare: expected a value <= 1, got 1.5',
    );
  });
});

describe('forward directions', () => {
  it('"forward" always walks along +x, for the ant and the planar cheetah', () => {
    for (const id of ['ant', 'cheetah'] as const) {
      const tasks = legged(id, { goal: 'direction', directions: 'forward' }).sample(50, 2);
      expect(new Set(tasks.map((t) => key(t.goal)))).toEqual(
        new Set([key({ kind: 'direction', direction: [1, 0] })]),
      );
    }
  });
});

/** ant-dynamics' training ranges. */
const dynamicsTraining = {
  goal: 'direction',
  directions: 'forward',
  friction: [0.2, 1.5],
  massScale: [0.5, 2],
  motorStrength: [0.4, 1.2],
  crippleProbability: 0.25,
};

describe('the harder split', () => {
  const training = {
    ...dynamicsTraining,
    terrains: ['slope', 'stairs', 'rough'],
    slopeAngle: [-0.3, 0.3],
    stepHeight: [0.03, 0.15],
    roughAmplitude: [0.03, 0.3],
  };
  const harder = {
    friction: [0.1, 0.2],
    massScale: [2, 2.5],
    motorStrength: [0.3, 0.4],
    crippleProbability: 1,
    slopeAngle: [0.3, 0.35],
    stepHeight: [0.15, 0.2],
    roughAmplitude: [0.3, 0.4],
  };

  /** Every value of `field` in `tasks` lies in [low, high]. */
  const within = (values: number[], [low, high]: readonly number[]) =>
    values.every((v) => v >= low! && v <= high!);

  it('draws from the harder ranges, outside the training ones, and the rest from the training ranges', () => {
    const dist = legged('ant', { ...training, harder, harderSize: 60 });
    const tasks = dist.harderTasks(60);
    const trainTasks = dist.sampleTrain(200, 1);
    for (const [field, range] of [
      ['friction', harder.friction],
      ['massScale', harder.massScale],
      ['motorStrength', harder.motorStrength],
    ] as const) {
      const values = tasks.map((t) => t.dynamics[field]);
      expect(within(values, range), field).toBe(true);
      const trained = trainTasks.map((t) => t.dynamics[field]);
      expect(within(trained, training[field]), field).toBe(true);
      expect(
        values.filter((v) => within([v], training[field])),
        field,
      ).toEqual([]);
    }
    expect(tasks.every((t) => t.dynamics.crippledLeg !== null)).toBe(true);
    // Ranges the harder pool does not name stay the training ones (damping: the default range).
    const damping = tasks.map((t) => t.dynamics.jointDamping);
    expect(within(damping, [0.5, 1.5])).toBe(true);
    const terrain = (kind: string) => tasks.map((t) => t.terrain).filter((t) => t.kind === kind);
    expect(
      within(
        terrain('slope').map((t) => (t as { angle: number }).angle),
        [0.3, 0.35],
      ),
    ).toBe(true);
    expect(
      within(
        terrain('stairs').map((t) => (t as { stepHeight: number }).stepHeight),
        [0.15, 0.2],
      ),
    ).toBe(true);
    expect(
      within(
        terrain('rough').map((t) => (t as { amplitude: number }).amplitude),
        [0.3, 0.4],
      ),
    ).toBe(true);
    for (const kind of ['slope', 'stairs', 'rough']) expect(terrain(kind).length).toBeGreaterThan(5);
  });

  it('is fixed: the same tasks every time, none of them a training or test task', () => {
    const dist = legged('ant', { ...training, harder: { friction: [0.1, 0.2] } });
    expect(dist.harderSize).toBe(100);
    expect(legged('ant', { ...training, harder: { friction: [0.1, 0.2] } }).harderTasks(100)).toEqual(
      dist.harderTasks(100),
    );
    expect(dist.harderTasks(10)).toEqual(dist.harderTasks(100).slice(0, 10));
    const seen = new Set([...dist.testTasks(100), ...dist.sampleTrain(3000, 2)].map(key));
    expect(dist.harderTasks(100).filter((t) => seen.has(key(t)))).toEqual([]);
    // Another splitSeed, another harder pool.
    const other = legged('ant', { ...training, harder: { friction: [0.1, 0.2] }, splitSeed: 7 });
    expect(other.harderTasks(5)).not.toEqual(dist.harderTasks(5));
  });

  it('asking for more harder tasks than the pool holds, or for a pool that does not exist, says so', () => {
    const dist = legged('ant', { ...training, harder: { friction: [0.1, 0.2] }, harderSize: 5 });
    expect(() => dist.harderTasks(6)).toThrow('tasks: expected an integer in [0, 5], got 6');
    expect(() => legged('ant').harderTasks(1)).toThrow(
      '--split: expected a run whose tasks define a harder split (tasks.harder); these ant tasks have none: use --split test, got "harder"',
    );
    expect(() => legged('ant', { harderSize: 10 })).toThrow(
      'tasks.harderSize: expected unset without tasks.harder, got 10',
    );
    expect(() => legged('ant', { harderPick: 'one' })).toThrow(
      'tasks.harderPick: expected unset without tasks.harder, got "one"',
    );
    expect(() => legged('ant', { ...training, harder, harderPick: 'each' })).toThrow(/^tasks\.harderPick: /);
    expect(() => legged('ant', { harder: {} })).toThrow(/^tasks\.harder: expected at least one range/);
    expect(() => legged('ant', { harder: { stepWidth: [1, 2] } })).toThrow(/unknown: stepWidth/);
  });
});

describe('harder ranges one at a time, and the groups eval reports tasks in', () => {
  const training = dynamicsTraining;
  const harder = { friction: [0.1, 0.2], massScale: [2, 2.5], motorStrength: [0.3, 0.4] };
  const outside = (groups: string[]) => groups.filter((g) => g.startsWith('outside training: '));

  it('harderPick "one": each harder task leaves the training ranges in exactly one field, each field alike', () => {
    const dist = legged('ant', { ...training, harder, harderPick: 'one', harderSize: 90 });
    const tasks = dist.harderTasks(90);
    const counts: Record<string, number> = {};
    for (const task of tasks) {
      const groups = outside(dist.groupsOf(task));
      expect(groups, JSON.stringify(task.dynamics)).toHaveLength(1);
      counts[groups[0]!] = (counts[groups[0]!] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual([
      'outside training: friction',
      'outside training: massScale',
      'outside training: motorStrength',
    ]);
    for (const n of Object.values(counts)) expect(n).toBeGreaterThan(15);
    // The field left out of training is in its harder range.
    for (const task of tasks) {
      const field = outside(dist.groupsOf(task))[0]!.slice(
        'outside training: '.length,
      ) as keyof typeof harder;
      const [low, high] = harder[field];
      expect(task.dynamics[field]).toBeGreaterThanOrEqual(low!);
      expect(task.dynamics[field]).toBeLessThanOrEqual(high!);
    }
  });

  it('harderPick "all" (the default) leaves every harder range at once; train and test pools are unchanged', () => {
    const all = legged('ant', { ...training, harder });
    for (const task of all.harderTasks(20)) expect(outside(all.groupsOf(task))).toHaveLength(3);
    expect(legged('ant', { ...training, harder, harderPick: 'all' }).harderTasks(20)).toEqual(
      all.harderTasks(20),
    );
    const one = legged('ant', { ...training, harder, harderPick: 'one' });
    expect(one.testTasks(20)).toEqual(all.testTasks(20));
    expect(one.sampleTrain(20, 3)).toEqual(all.sampleTrain(20, 3));
    for (const task of one.testTasks(100)) expect(outside(one.groupsOf(task))).toEqual([]);
  });

  it('crippled and healthy tasks are told apart; distributions without crippled legs have no such group', () => {
    const dist = legged('ant', training);
    for (const task of dist.testTasks(40)) {
      const expected = task.dynamics.crippledLeg === null ? 'healthy' : 'crippled leg';
      expect(dist.groupsOf(task)).toEqual([expected]);
    }
    const plain = legged('ant');
    expect(plain.testTasks(10).flatMap((t) => plain.groupsOf(t))).toEqual([]);
  });

  it('terrain fields count only on their own kind of terrain', () => {
    const dist = legged('ant', {
      terrains: ['slope', 'stairs'],
      slopeAngle: [-0.3, 0.3],
      stepHeight: [0.03, 0.15],
      harder: { slopeAngle: [0.3, 0.35], stepHeight: [0.15, 0.2] },
    });
    for (const task of dist.harderTasks(30)) {
      expect(dist.groupsOf(task)).toEqual([
        `terrain: ${task.terrain.kind}`,
        task.terrain.kind === 'slope' ? 'outside training: slopeAngle' : 'outside training: stepHeight',
      ]);
    }
    // Every test task is in its own kind's group, and both kinds are met.
    const kinds = dist.testTasks(40).map((task) => dist.groupsOf(task));
    expect(new Set(kinds.flat())).toEqual(new Set(['terrain: slope', 'terrain: stairs']));
    const single = legged('ant', { terrains: ['rough'], roughAmplitude: [0.03, 0.3] });
    expect(single.testTasks(10).flatMap((t) => single.groupsOf(t))).toEqual([]);
  });
});

describe('trainingTaskOptions', () => {
  it('drops only the options that shape the harder pool', () => {
    const training = { goal: 'direction', friction: [0.2, 1.5], crippleProbability: 0.25 };
    const withHarder = { ...training, harder: { friction: [0.1, 0.2] }, harderPick: 'one', harderSize: 40 };
    expect(trainingTaskOptions(withHarder)).toEqual(training);
    expect(trainingTaskOptions(training)).toEqual(training);
    expect(trainingTaskOptions(undefined)).toBeUndefined();
    // The pools the dropped options leave are the same tasks.
    const a = legged('ant', withHarder);
    const b = legged('ant', trainingTaskOptions(withHarder) as object);
    expect(a.testTasks(10)).toEqual(b.testTasks(10));
  });
});
