/**
 * The MJCF subset Terrarium reads: for each element (keyed by its context, since <joint> in <default> and in
 * <body> share rules), the attributes it converts, the ones it ignores because they only matter to MuJoCo's
 * renderer, solver tuning or contact softness (listed as notes), and the children it allows. Anything else is an
 * error naming it. Documented in docs/robot-features.md.
 */
export interface ElementRule {
  attrs: string[];
  ignored?: string[];
  children?: Record<string, string>;
  /** Skipped whole, children and all (assets, visuals): reported once as ignored. */
  ignoreAll?: boolean;
  /** How an ignored element is listed (default: its tag). */
  note?: string;
}

const GEOM = {
  attrs: [
    'name',
    'class',
    'type',
    'size',
    'pos',
    'quat',
    'axisangle',
    'euler',
    'fromto',
    'density',
    'mass',
    'rgba',
    'contype',
    'conaffinity',
  ],
  ignored: [
    'material',
    'condim',
    'margin',
    'gap',
    'solimp',
    'solref',
    'solmix',
    'friction',
    'group',
    'priority',
    'user',
  ],
};
const JOINT = {
  attrs: [
    'name',
    'class',
    'type',
    'pos',
    'axis',
    'range',
    'limited',
    'damping',
    'stiffness',
    'armature',
    'ref',
  ],
  ignored: ['margin', 'solimplimit', 'solreflimit', 'solimpfriction', 'solreffriction', 'user', 'group'],
};
const ACTUATOR = ['name', 'class', 'joint', 'gear', 'ctrlrange', 'ctrllimited', 'forcerange', 'forcelimited'];
const MOTOR = { attrs: ACTUATOR, ignored: ['user', 'group'] };
const GENERAL = {
  attrs: [...ACTUATOR, 'actdim', 'dyntype', 'gaintype', 'biastype'],
  ignored: ['user', 'group'],
};
const POSITION = { attrs: [...ACTUATOR, 'kp', 'kv'], ignored: ['user', 'group'] };
const VELOCITY = { attrs: [...ACTUATOR, 'kv'], ignored: ['user', 'group'] };
const IGNORED: ElementRule = { attrs: [], ignoreAll: true };
const DEFAULT_CHILDREN = {
  default: 'default',
  joint: 'joint',
  geom: 'geom',
  motor: 'motor',
  general: 'general',
  position: 'position',
  velocity: 'velocity',
  camera: 'ignored',
  light: 'ignored',
  site: 'ignored',
  material: 'ignored',
  mesh: 'ignored',
};

export const VOCABULARY: Record<string, ElementRule> = {
  mujoco: {
    attrs: ['model'],
    children: {
      compiler: 'compiler',
      option: 'option',
      size: 'ignored',
      visual: 'ignored',
      asset: 'ignored',
      custom: 'ignored',
      statistic: 'ignored',
      default: 'default',
      worldbody: 'worldbody',
      actuator: 'actuator',
    },
  },
  compiler: {
    attrs: ['angle', 'coordinate', 'inertiafromgeom', 'settotalmass', 'autolimits'],
    ignored: ['meshdir', 'texturedir'],
  },
  // Terrarium's physics step (0.01 s, 5 a control step) and solver are its own; gravity is checked, not ignored.
  option: {
    attrs: ['gravity'],
    ignored: ['timestep', 'integrator', 'iterations', 'tolerance', 'solver', 'cone', 'jacobian'],
    children: { flag: 'ignored' },
  },
  ignored: IGNORED,
  default: { attrs: ['class'], children: DEFAULT_CHILDREN },
  worldbody: {
    attrs: [],
    children: { body: 'body', geom: 'floor', light: 'ignored', camera: 'ignored', site: 'ignored' },
  },
  // The floor: Terrarium's ground is the task's terrain.
  floor: {
    attrs: [],
    ignoreAll: true,
    note: '<geom type="plane"> in <worldbody> (the ground is the task\'s terrain)',
  },
  body: {
    attrs: ['name', 'pos', 'quat', 'axisangle', 'euler', 'childclass', 'gravcomp'],
    children: {
      body: 'body',
      geom: 'geom',
      joint: 'joint',
      freejoint: 'freejoint',
      inertial: 'inertial',
      camera: 'ignored',
      site: 'ignored',
      light: 'ignored',
    },
  },
  geom: GEOM,
  joint: JOINT,
  freejoint: { attrs: ['name'] },
  inertial: { attrs: ['pos', 'mass', 'diaginertia'] },
  actuator: {
    attrs: [],
    children: { motor: 'motor', general: 'general', position: 'position', velocity: 'velocity' },
  },
  motor: MOTOR,
  general: GENERAL,
  position: POSITION,
  velocity: VELOCITY,
};
