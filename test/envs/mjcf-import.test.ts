import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { TerrariumError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { buildRobot } from '../../src/envs/build-robot.js';
import { mjcfToSpec } from '../../src/envs/mjcf/mjcf-to-spec.js';
import { initRapier } from '../../src/envs/rapier.js';
import { makeEnv } from '../../src/envs/registry.js';
import { loadRobotFile } from '../../src/envs/robot-file.js';
import { movingJoints } from '../../src/envs/robot-spec.js';
import { NOMINAL_DYNAMICS } from '../../src/envs/task.js';

// Fixtures written after Gymnasium's models; which env each runs in (free robots: ant; planar: cheetah) and
// Gymnasium's observation size for it.
const FIXTURES = [
  { file: 'ant', env: 'ant', obsDim: 27, actDim: 8 },
  { file: 'half_cheetah', env: 'cheetah', obsDim: 17, actDim: 6 },
  { file: 'hopper', env: 'cheetah', obsDim: 11, actDim: 3 },
  { file: 'walker2d', env: 'cheetah', obsDim: 17, actDim: 6 },
] as const;
const path = (file: string) => `test/fixtures/mjcf/${file}.xml`;

type Node = Record<string, unknown>;
const list = (v: unknown): Node[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]) as Node[];
const nums = (s: unknown) => String(s).trim().split(/\s+/).map(Number);

/** What the XML says, read here without the converter: mass from geometry and density, joint ranges, gears. */
function readXml(file: string) {
  const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
    readFileSync(path(file), 'utf8'),
  ).mujoco as Node;
  const compiler = (xml.compiler ?? {}) as Node;
  const toRad = compiler.angle === 'radian' ? 1 : Math.PI / 180;
  const geomDefault = ((xml.default as Node | undefined)?.geom ?? {}) as Node;
  const density0 = Number(geomDefault.density ?? 1000);
  let mass = 0;
  const ranges = new Map<string, [number, number]>();
  const visit = (body: Node) => {
    for (const g of list(body.geom)) {
      const r = nums(g.size)[0]!;
      let volume: number;
      if (g.type === 'sphere') volume = (4 / 3) * Math.PI * r ** 3;
      else {
        const f = g.fromto ? nums(g.fromto) : undefined;
        const length = f ? Math.hypot(f[3]! - f[0]!, f[4]! - f[1]!, f[5]! - f[2]!) : 2 * nums(g.size)[1]!;
        volume = Math.PI * r * r * length + (4 / 3) * Math.PI * r ** 3; // every other geom here is a capsule
      }
      mass += Number(g.density ?? density0) * volume;
    }
    for (const j of list(body.joint)) {
      if (j.range !== undefined && j.type !== 'slide') {
        const [lo, hi] = nums(j.range);
        ranges.set(String(j.name), [lo! * toRad, hi! * toRad]);
      }
    }
    for (const child of list(body.body)) visit(child);
  };
  visit((xml.worldbody as Node).body as Node);
  if (compiler.settotalmass !== undefined) mass = Number(compiler.settotalmass);
  const actuator = xml.actuator as Node;
  const gears = [...list(actuator.motor), ...list(actuator.general)].map((m) => ({
    joint: String(m.joint),
    gear:
      m.gear !== undefined
        ? nums(m.gear)[0]!
        : Number((xml.default as Node).motor && ((xml.default as Node).motor as Node).gear),
  }));
  return { mass, ranges, gears };
}

beforeAll(async () => {
  await initRapier();
});

describe.each(FIXTURES)('MJCF $file', ({ file, env, obsDim, actDim }) => {
  const spec = loadRobotFile(path(file));
  const xml = readXml(file);

  it("has the XML's total mass (summed from its geoms and densities), in Rapier", () => {
    const robot = buildRobot(spec, NOMINAL_DYNAMICS, { kind: 'flat' });
    const total = robot.bodies.reduce((sum, body) => sum + body.mass(), 0);
    robot.world.free();
    expect(total / xml.mass).toBeCloseTo(1, 6);
  });

  it("has the XML's joint ranges (in radians) and gears, with the actions in the <actuator> order", () => {
    const joints = movingJoints(spec);
    expect(joints.map((j) => j.name)).toEqual(xml.gears.map((g) => g.joint));
    for (const joint of joints) {
      const [lo, hi] = xml.ranges.get(joint.name)!;
      expect(joint.limits[0]).toBeCloseTo(lo, 9);
      expect(joint.limits[1]).toBeCloseTo(hi, 9);
      expect(joint.gear).toBe(xml.gears.find((g) => g.joint === joint.name)!.gear);
    }
  });

  it("has Gymnasium's observation and action sizes", async () => {
    const e = await makeEnv(env, { robot: loadRobotFile(path(file)) });
    expect(e.observationSpace.shape).toEqual([obsDim]);
    expect(e.actionSpace.shape).toEqual([actDim]);
    e.close();
  });

  it('same seed and actions give bitwise the same trajectory', async () => {
    const run = async () => {
      const e = await makeEnv(env, { robot: loadRobotFile(path(file)) });
      const rng = new Rng(5);
      const out = [e.reset({ seed: 9 }).obs];
      for (let t = 0; t < 30; t++)
        out.push(e.step(Array.from({ length: actDim }, () => rng.uniform(-1, 1))).obs);
      e.close();
      return out;
    };
    expect(await run()).toEqual(await run());
  });

  it.each(['zero', 'random'])(
    'settles under %s actions for 5 s without blowing up or flying off',
    async (policy) => {
      const e = await makeEnv(env, { robot: loadRobotFile(path(file)), maxEpisodeSteps: 1000 });
      const rng = new Rng(11);
      e.reset({ seed: 4 });
      for (let t = 0; t < 100; t++) {
        const action = Array.from({ length: actDim }, () => (policy === 'zero' ? 0 : rng.uniform(-1, 1)));
        const result = e.step(action);
        expect(result.info.reason).toBeUndefined();
        expect(Array.from(result.obs).every(Number.isFinite)).toBe(true);
        // rootHeight: above the ground, and (at zero action) no higher than it started
        expect(result.obs[0]).toBeGreaterThan(0);
        if (policy === 'zero') expect(result.obs[0]).toBeLessThan(1.4);
        if (result.terminated) e.reset();
      }
      e.close();
    },
  );
});

describe('MJCF errors name what is not supported', () => {
  const model = (inner: string, compiler = '') =>
    `<mujoco model="m">${compiler}<worldbody><body name="torso" pos="0 0 1"><freejoint/><geom type="sphere" size="0.1"/>${inner}</body></worldbody><actuator><motor joint="j" gear="1" ctrlrange="-1 1"/></actuator></mujoco>`;
  const limb = (joint: string, geom = '<geom type="capsule" fromto="0 0 0 0.3 0 0" size="0.05"/>') =>
    `<body name="limb" pos="0.1 0 0">${joint}${geom}</body>`;
  const ok = limb('<joint name="j" axis="0 1 0" range="-30 30"/>');
  const error = (xml: string): TerrariumError => {
    try {
      mjcfToSpec(xml, 'model.xml');
    } catch (e) {
      expect(e).toBeInstanceOf(TerrariumError);
      return e as TerrariumError;
    }
    throw new Error('expected the model to be rejected');
  };

  it('a small valid model converts (degrees by default: a 30 degree range is 0.5236 rad)', () => {
    const { spec } = mjcfToSpec(model(ok), 'model.xml');
    expect(movingJoints(spec)[0]!.limits[1]).toBeCloseTo(Math.PI / 6, 9);
  });

  it('reads boxes (turned to y up), <inertial> and position servos', () => {
    const xml = `<mujoco><compiler angle="radian"/><worldbody><body name="torso" pos="0 0 1"><freejoint/>
      <geom type="box" pos="0 0.5 0" size="0.1 0.2 0.3"/>
      <body name="limb" pos="0.1 0 0"><inertial pos="0.2 0 0" mass="2" diaginertia="0.01 0.02 0.03"/>
        <joint name="j" axis="0 1 0" range="-1 1"/><geom type="capsule" fromto="0 0 0 0.3 0 0" size="0.05"/></body>
      </body></worldbody><actuator><position joint="j" kp="50" ctrlrange="-0.5 0.5"/></actuator></mujoco>`;
    const { spec } = mjcfToSpec(xml, 'model.xml');
    const [torso, limb] = spec.bodies;
    expect(torso!.shapes[0]).toEqual({ type: 'box', at: [0, 1, -0.5], halfExtents: [0.1, 0.3, 0.2] });
    expect(limb).toMatchObject({ mass: 2, inertia: [0.01, 0.03, 0.02], centerOfMass: [0.3, 1, 0] });
    expect(movingJoints(spec)[0]!.actuator).toEqual({
      type: 'position',
      kp: 50,
      kv: 0,
      ctrlRange: [-0.5, 0.5],
    });
  });

  it('lists every unsupported element and attribute in one message', () => {
    const e = error(
      model(limb('<joint name="j" axis="0 1 0" range="-30 30" frictionloss="0.1"/>')).replace(
        '</mujoco>',
        '<tendon/><sensor/></mujoco>',
      ),
    );
    expect(e.message).toContain(
      'joint@frictionloss at model.xml:mujoco/worldbody/body[torso]/body[limb]/joint[j]',
    );
    expect(e.message).toContain('<tendon> inside <mujoco>');
    expect(e.message).toContain('<sensor> inside <mujoco>');
    expect(e.message).toContain('docs/robot-features.md');
  });

  it.each([
    [
      'a mesh geom',
      limb('<joint name="j" axis="0 1 0" range="-30 30"/>', '<geom type="mesh" size="0.1"/>'),
      '',
      /@type: expected a geom type Terrarium reads: sphere, capsule, cylinder, box, got "mesh"/,
    ],
    [
      'a ball joint',
      limb('<joint name="j" type="ball"/>'),
      '',
      /joint\[j\]@type: expected hinge or slide below the root .*got "ball"/,
    ],
    [
      'an unlimited hinge',
      limb('<joint name="j" axis="0 1 0" limited="false" range="-30 30"/>'),
      '',
      /joint\[j\]@range: expected a range/,
    ],
    [
      'global coordinates',
      ok,
      '<compiler coordinate="global"/>',
      /compiler@coordinate: expected "local".*got "global"/,
    ],
    [
      'an unknown angle unit',
      ok,
      '<compiler angle="grad"/>',
      /compiler@angle: expected "degree" or "radian", got "grad"/,
    ],
    [
      'an unknown class',
      limb('<joint name="j" class="stiff" axis="0 1 0" range="-30 30"/>'),
      '',
      /@class: expected a default class \(main\), got "stiff"/,
    ],
  ])('%s', (_name, inner, compiler, pattern) => {
    expect(error(model(inner, compiler)).message).toMatch(pattern);
  });

  it('a joint without an actuator is named', () => {
    const xml = model(ok).replace('<motor joint="j" gear="1" ctrlrange="-1 1"/>', '');
    expect(error(xml).message).toMatch(/expected an actuator for every joint below the root .*got \["j"\]/);
  });

  it('any attribute value of a fixture replaced by junk ends in a spec or a TerrariumError, never a crash', () => {
    const text = readFileSync(path('half_cheetah'), 'utf8');
    const values = [...text.matchAll(/="([^"]*)"/g)].map((m) => m.index! + 2);
    fc.assert(
      fc.property(
        fc.constantFrom(...values),
        fc.oneof(
          fc.string(),
          fc.constantFrom('', 'nan', '1e400', '-1', '0 0 0 0 0 0 0', 'true', 'ball', 'mesh'),
        ),
        (at, junk) => {
          const end = text.indexOf('"', at);
          const xml = `${text.slice(0, at)}${junk.replace(/["<&]/g, '')}${text.slice(end)}`;
          try {
            mjcfToSpec(xml, 'junk.xml');
          } catch (e) {
            if (!(e instanceof TerrariumError)) throw e;
          }
        },
      ),
      { numRuns: 300, seed: 32 },
    );
  });

  it('malformed XML gives the line', () => {
    expect(error('<mujoco>\n<worldbody>\n</mujoco>').message).toMatch(
      /model\.xml: expected well-formed XML, got "line 3"/,
    );
  });
});
