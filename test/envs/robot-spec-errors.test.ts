import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TerrariumError } from '../../src/core/errors.js';
import { parseRobotSpec } from '../../src/envs/robot-spec.js';

// biome-ignore lint/suspicious/noExplicitAny: specs are edited freely here to make them wrong
type Spec = any;
const ant = (): Spec => JSON.parse(readFileSync('robots/ant.json', 'utf8'));

function messageOf(edit: (s: Spec) => void): TerrariumError {
  const spec = ant();
  edit(spec);
  try {
    parseRobotSpec(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(TerrariumError);
    return error as TerrariumError;
  }
  throw new Error('expected the spec to be rejected');
}

describe('robot spec errors read as sentences naming the field, the value and what is allowed', () => {
  it.each<[string, (s: Spec) => void, string]>([
    [
      'an unknown shape type',
      (s) => (s.bodies[0].shapes[0].type = 'cone'),
      'robot.bodies.0.shapes.0.type: expected one of "capsule", "cylinder", "sphere", "box", got "cone"',
    ],
    [
      'a missing shape type',
      (s) => delete s.bodies[0].shapes[0].type,
      'robot.bodies.0.shapes.0.type: expected one of "capsule", "cylinder", "sphere", "box", got undefined (missing)',
    ],
    [
      'an unknown joint type',
      (s) => (s.joints[0].type = 'ball'),
      'robot.joints.0.type: expected one of "hinge", "slide", "fixed", got "ball"',
    ],
    [
      'an unknown actuator type',
      (s) => (s.joints[0].actuator = { type: 'servo' }),
      'robot.joints.0.actuator.type: expected one of "motor", "position", "velocity", got "servo"',
    ],
    [
      'an unknown sensor',
      (s) => s.observation.push({ sensor: 'lidar' }),
      'robot.observation.6.sensor: expected one of "contactForce", "imu", "jointTorque", got "lidar"',
    ],
    [
      'a bad colour',
      (s) => (s.bodies[0].color = 'red'),
      'robot.bodies.0.color: expected a colour written "#rrggbb", e.g. "#c0703a", got "red"',
    ],
    [
      'a negative density',
      (s) => (s.bodies[0].density = -1),
      'robot.bodies.0.density: expected a number > 0, got -1',
    ],
    [
      'a position with two numbers',
      (s) => (s.bodies[0].position = [1, 2]),
      'robot.bodies.0.position: expected exactly 3 numbers, got [1,2]',
    ],
    [
      'a missing radius',
      (s) => delete s.bodies[0].shapes[0].radius,
      'robot.bodies.0.shapes.0.radius: expected a number (the field is required), got undefined (missing)',
    ],
    ['an empty name', (s) => (s.name = ''), 'robot.name: expected a non-empty name, got ""'],
    [
      'both density and mass',
      (s) => (s.bodies[0].mass = 3),
      'robot.bodies.0.density: expected either density (kg/m^3) or mass (kg), exactly one of them, got 50',
    ],
    [
      'a motor without gear',
      (s) => delete s.joints[0].gear,
      'robot.joints.0.gear: expected a gear (N m, or N, at action 1) for a motor, got undefined (missing)',
    ],
  ])('%s', (_name, edit, message) => {
    const error = messageOf(edit);
    expect(error.message).toBe(message);
    expect(error.message).not.toMatch(/Invalid|Too small|Too big|discriminator/);
  });

  it.each<[string, (s: Spec) => void, string, string[]]>([
    [
      'on the spec',
      (s) => (s.legs = 4),
      'robot.legs',
      ['name', 'root', 'bodies', 'joints', 'observation', 'collision', 'reward'],
    ],
    [
      'on a body',
      (s) => (s.bodies[0].weight = 3),
      'robot.bodies.0.weight',
      ['density', 'mass', 'inertia', 'shapes'],
    ],
    ['on a joint', (s) => (s.joints[0].kp = 3), 'robot.joints.0.kp', ['axis', 'limits', 'gear', 'actuator']],
    [
      'on a fixed joint',
      (s) =>
        (s.joints[0] = {
          type: 'fixed',
          name: 'w',
          parent: 'torso',
          child: 'front_left_hip',
          anchor: [0, 0, 0],
          gear: 1,
        }),
      'robot.joints.0.gear',
      ['name', 'type', 'parent', 'child', 'anchor'],
    ],
    [
      'on a servo',
      (s) => (s.joints[0].actuator = { type: 'position', kp: 1, ki: 2 }),
      'robot.joints.0.actuator.ki',
      ['kp', 'kv', 'ctrlRange'],
    ],
    [
      'on a sensor',
      (s) => s.observation.push({ sensor: 'imu', body: 'torso', rate: 100 }),
      'robot.observation.6.rate',
      ['sensor', 'body'],
    ],
    [
      'on the reward',
      (s) => (s.reward.speedWeight = 1),
      'robot.reward.speedWeight',
      ['forwardRewardWeight', 'ctrlCostWeight', 'contactCostWeight'],
    ],
  ])('an unknown field %s is named with the fields allowed there', (_name, edit, path, allowed) => {
    const error = messageOf(edit);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(/^[^:]+: expected no field "\w+" here \(allowed fields: [\w, ]+\), got /);
    const list = error.message.match(/allowed fields: ([\w, ]+)\)/)![1]!.split(', ');
    expect(list).toEqual(expect.arrayContaining(allowed));
  });

  it('a reference to a body that does not exist lists the bodies', () => {
    const error = messageOf((s) => s.observation.push({ sensor: 'contactForce', bodies: ['paw'] }));
    expect(error.message).toMatch(
      /^robot\.observation\.6\.bodies: expected a body name \(torso, front_left_hip, .*\), got \["paw"\]$/,
    );
  });
});
