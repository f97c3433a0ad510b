import { describe, expect, it } from 'vitest';
import { type Curriculum, curriculumSchema, nextLevel } from '../../src/envs/curriculum.js';
import type { LeggedTask } from '../../src/envs/legged-env.js';
import { envEntry } from '../../src/envs/registry.js';
import type { TaskDistribution } from '../../src/envs/task.js';

const ant = (options: object) => envEntry('ant').distribution(options) as TaskDistribution<LeggedTask>;

const terrainOptions = {
  directions: 'forward',
  terrains: ['slope', 'stairs', 'rough'],
  slopeAngle: [-0.3, 0.3],
  stepHeight: [0.03, 0.15],
  roughAmplitude: [0.03, 0.3],
  massScale: [1, 1],
  friction: [1, 1],
  motorStrength: [1, 1],
  jointDamping: [1, 1],
  gravityScale: [1, 1],
};

const rules = (extra: object = {}): Curriculum =>
  curriculumSchema.parse({ levels: 4, promoteAbove: 50, demoteBelow: 10, ...extra });

describe('curriculum levels', () => {
  it('a score above promoteAbove moves up one, below demoteBelow down one, between them stays; ends clamp', () => {
    const c = rules();
    const scores = [60, 60, 30, 60, 60, 60, 5, 10, 50, 5, 5, 5, 5];
    const levels = [0];
    for (const score of scores) levels.push(nextLevel(c, levels.at(-1)!, score));
    // 60 > 50 up; 30 stays; 3 is the top (levels 4); 5 < 10 down; 10 and 50 are not strictly past their thresholds.
    expect(levels).toEqual([0, 1, 2, 2, 3, 3, 3, 2, 2, 2, 1, 0, 0, 0]);
  });

  it("a task's difficulty is its hardest part relative to the training ranges", () => {
    const dist = ant({
      ...terrainOptions,
      friction: [0.5, 1.5],
      crippleProbability: 0.25,
      curriculum: rules(),
    });
    const c = dist.curriculum!;
    const nominal = { massScale: 1, friction: 1, motorStrength: 1, jointDamping: 1, gravityScale: 1 };
    const task = (terrain: LeggedTask['terrain'], dynamics: object = {}): LeggedTask => ({
      goal: { kind: 'direction', direction: [1, 0] },
      dynamics: { ...nominal, crippledLeg: null, ...dynamics },
      terrain,
    });
    expect(c.difficulty(task({ kind: 'flat' }))).toBe(0);
    expect(c.difficulty(task({ kind: 'slope', angle: -0.15 }))).toBeCloseTo(0.5, 12);
    expect(c.difficulty(task({ kind: 'stairs', stepHeight: 0.075, stepWidth: 1 }))).toBeCloseTo(0.5, 12);
    expect(c.difficulty(task({ kind: 'rough', amplitude: 0.3, scale: 1, seed: 3 }))).toBe(1);
    // friction 0.75 is half the largest distance from nominal in [0.5, 1.5] (0.5).
    expect(c.difficulty(task({ kind: 'flat' }, { friction: 0.75 }))).toBeCloseTo(0.5, 12);
    expect(c.difficulty(task({ kind: 'slope', angle: 0.03 }, { friction: 1.4 }))).toBeCloseTo(0.8, 12);
    expect(c.difficulty(task({ kind: 'flat' }, { crippledLeg: 2 }))).toBe(1);
    // Beyond the training ranges (a harder task) clamps to the top.
    expect(c.difficulty(task({ kind: 'slope', angle: 0.35 }))).toBe(1);
    expect([0, 0.2, 0.25, 0.5, 0.99, 1].map((d) => c.level(task({ kind: 'slope', angle: 0.3 * d })))).toEqual(
      [0, 0, 1, 2, 3, 3],
    );
  });

  it('the sampler draws only from the band of the level, and from every level of it', () => {
    const dist = ant({ ...terrainOptions, trainSize: 400, testSize: 10, curriculum: rules() });
    const c = dist.curriculum!;
    for (let level = 0; level < 4; level++) {
      const seen = new Set(c.sampleTrain(400, 7 + level, level).map((t) => c.level(t)));
      expect([...seen].sort()).toEqual(Array.from({ length: level + 1 }, (_, l) => l));
    }
    const narrow = ant({ ...terrainOptions, trainSize: 400, testSize: 10, curriculum: rules({ band: 2 }) })
      .curriculum!;
    for (let level = 0; level < 4; level++) {
      const seen = new Set(narrow.sampleTrain(300, 3, level).map((t) => narrow.level(t)));
      expect([...seen].sort()).toEqual(level === 0 ? [0] : [level - 1, level]);
    }
    // Drawn from the training pool only, never a test task; and the same seed draws the same tasks.
    const train = new Set(dist.sampleTrain(5000, 1).map((t) => JSON.stringify(t)));
    const test = new Set(dist.testTasks(10).map((t) => JSON.stringify(t)));
    for (const t of c.sampleTrain(300, 11, 3)) {
      expect(train.has(JSON.stringify(t))).toBe(true);
      expect(test.has(JSON.stringify(t))).toBe(false);
    }
    expect(c.sampleTrain(50, 5, 2)).toEqual(c.sampleTrain(50, 5, 2));
    expect(() => c.sampleTrain(1, 5, 4)).toThrow('curriculumLevel: expected an integer in [0, 3], got 4');
  });

  it('adding a curriculum leaves the pools and uniform sampling as they were', () => {
    const options = { ...terrainOptions, trainSize: 200, testSize: 20 };
    const plain = ant(options);
    const leveled = ant({ ...options, curriculum: rules() });
    expect(plain.curriculum).toBeNull();
    expect(leveled.testTasks(20)).toEqual(plain.testTasks(20));
    expect(leveled.sampleTrain(300, 3)).toEqual(plain.sampleTrain(300, 3));
    expect(leveled.sample(10, 4)).toEqual(plain.sample(10, 4));
  });

  it.each([
    [{ demoteBelow: 50 }, 'tasks.curriculum.demoteBelow: expected a number below promoteAbove (50), got 50'],
    [{ startLevel: 4 }, 'tasks.curriculum.startLevel: expected a level in [0, 3] (levels: 4), got 4'],
    [{ band: 5 }, 'tasks.curriculum.band: expected an integer in [1, 4] (levels: 4), got 5'],
    [{ levels: 1 }, 'tasks.curriculum.levels: expected a value >= 2, got 1'],
    [
      { measure: 'speed' },
      'tasks.curriculum.measure: expected one of "returnAfter", "returnBefore", got "speed"',
    ],
    [{ promote: 3 }, 'tasks.curriculum: expected no unknown field (unknown: promote), got'],
  ])('a bad curriculum %j is refused naming the field', (extra, message) => {
    const curriculum = { levels: 4, promoteAbove: 50, demoteBelow: 10, ...extra };
    expect(() => ant({ ...terrainOptions, curriculum })).toThrow(message);
  });

  it('levels with an empty band are refused when the config loads, with the tasks per level', () => {
    // Stairs alone: step heights 0.1 to 0.15 m are difficulty 2/3 to 1, so levels 0 and 1 of 3 hold no task.
    const options = { ...terrainOptions, terrains: ['stairs'], stepHeight: [0.1, 0.15], trainSize: 100 };
    expect(() => ant({ ...options, curriculum: rules({ levels: 3 }) })).toThrow(
      /^tasks\.curriculum\.levels: expected levels whose every band holds a training task .*got 3 \(none of the 100 training tasks is at level 0, difficulty 0\.00 to below 0\.33; tasks per level: 0, 0, 100\)$/,
    );
  });
});
