import type { RobotSpec } from './robot-spec.js';

/**
 * The robot's legs, read from its spec: every joint whose parent is the root body starts a leg, which holds that
 * joint and every joint below it. Each leg lists its joint names in spec order (ant: 4 legs of [hip, ankle];
 * cheetah: back [bthigh, bshin, bfoot], front [fthigh, fshin, ffoot]). A task's `dynamics.crippledLeg` indexes
 * this list.
 */
export function robotLegs(spec: RobotSpec): string[][] {
  return spec.joints
    .filter((joint) => joint.parent === spec.root)
    .map((start) => {
      const below = new Set([start.child]);
      // Joints may be listed in any order, so grow the leg's bodies until nothing changes.
      for (let grew = true; grew; ) {
        grew = false;
        for (const joint of spec.joints) {
          if (below.has(joint.parent) && !below.has(joint.child)) {
            below.add(joint.child);
            grew = true;
          }
        }
      }
      return spec.joints
        .filter((joint) => joint === start || below.has(joint.parent))
        .map((joint) => joint.name);
    });
}
