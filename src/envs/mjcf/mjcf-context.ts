/**
 * What every part of an MJCF conversion reads: the compiler settings (angle units, autolimits, total mass), the
 * default classes (each element's attributes are its class's defaults overridden by its own), and number parsing
 * whose errors name the element and attribute.
 */
import { TerrariumError } from '../../core/errors.js';
import type { MjcfElement } from './mjcf-xml.js';

const ACTUATOR_TAGS = new Set(['motor', 'general', 'position', 'velocity']);

export interface MjcfContext {
  /** Radians of an angle written in the model's unit (compiler angle, degrees by default). */
  angle(value: number): number;
  autolimits: boolean;
  /** compiler settotalmass: scale every mass so the robot weighs this (kg). */
  totalMass?: number;
  /** compiler inertiafromgeom: "true" ignores <inertial>. */
  inertiaFromGeom: 'true' | 'auto';
  /** The element's attributes over its class's defaults (class attr, else the enclosing childclass, else main). */
  attrs(element: MjcfElement, childclass: string | undefined): Record<string, string>;
  number(text: string | undefined, where: string): number;
  numbers(text: string, where: string): number[];
  /** Exactly `n` numbers. */
  vec(text: string, n: number, where: string): number[];
}

function numbersOf(text: string, where: string): number[] {
  const parts = text
    .trim()
    .split(/\s+/)
    .filter((p) => p !== '');
  const values = parts.map(Number);
  if (parts.length === 0 || values.some((v) => !Number.isFinite(v)))
    throw new TerrariumError(where, text, 'numbers separated by spaces');
  return values;
}

/** Default classes: class name -> element kind ("geom", "joint", "actuator") -> attributes. */
function defaultClasses(root: MjcfElement): Map<string, Record<string, Record<string, string>>> {
  const classes = new Map<string, Record<string, Record<string, string>>>();
  const visit = (element: MjcfElement, inherited: Record<string, Record<string, string>>, top: boolean) => {
    const name = element.attrs.class ?? (top ? 'main' : undefined);
    if (name === undefined)
      throw new TerrariumError(`${element.where}@class`, undefined, 'a class name on a nested <default>');
    if (classes.has(name))
      throw new TerrariumError(`${element.where}@class`, name, 'a class name no other <default> has');
    const own: Record<string, Record<string, string>> = {};
    for (const [kind, attrs] of Object.entries(inherited)) own[kind] = { ...attrs };
    for (const child of element.children) {
      if (child.tag === 'default') continue;
      const kind = ACTUATOR_TAGS.has(child.tag) ? 'actuator' : child.tag;
      own[kind] = { ...own[kind], ...child.attrs };
    }
    classes.set(name, own);
    for (const child of element.children) if (child.tag === 'default') visit(child, own, false);
  };
  const tops = root.children.filter((c) => c.tag === 'default');
  for (const top of tops) visit(top, {}, true);
  if (!classes.has('main')) classes.set('main', {});
  return classes;
}

export function mjcfContext(root: MjcfElement): MjcfContext {
  const compiler = root.children.find((c) => c.tag === 'compiler')?.attrs ?? {};
  const where = `${root.where}/compiler`;
  const unit = compiler.angle ?? 'degree';
  if (unit !== 'degree' && unit !== 'radian')
    throw new TerrariumError(`${where}@angle`, unit, '"degree" or "radian"');
  if (compiler.coordinate !== undefined && compiler.coordinate !== 'local')
    throw new TerrariumError(
      `${where}@coordinate`,
      compiler.coordinate,
      '"local" (MuJoCo 2.3.3 and later dropped "global" too)',
    );
  const fromGeom = compiler.inertiafromgeom ?? 'auto';
  if (fromGeom !== 'true' && fromGeom !== 'auto')
    throw new TerrariumError(
      `${where}@inertiafromgeom`,
      fromGeom,
      '"true" or "auto" (Terrarium bodies need geoms)',
    );
  const option = root.children.find((c) => c.tag === 'option')?.attrs ?? {};
  if (option.gravity !== undefined) {
    const g = numbersOf(option.gravity, `${root.where}/option@gravity`);
    if (g.length !== 3 || Math.abs(g[0]!) > 1e-9 || Math.abs(g[1]!) > 1e-9 || Math.abs(g[2]! + 9.81) > 1e-6)
      throw new TerrariumError(
        `${root.where}/option@gravity`,
        option.gravity,
        '"0 0 -9.81" (a task\'s gravityScale changes gravity)',
      );
  }
  const classes = defaultClasses(root);
  const ctx: MjcfContext = {
    angle: (value) => (unit === 'degree' ? (value * Math.PI) / 180 : value),
    autolimits: (compiler.autolimits ?? 'true') === 'true',
    totalMass:
      compiler.settotalmass !== undefined
        ? numbersOf(compiler.settotalmass, `${where}@settotalmass`)[0]
        : undefined,
    inertiaFromGeom: fromGeom,
    attrs(element, childclass) {
      const name = element.attrs.class ?? childclass ?? 'main';
      const cls = classes.get(name);
      if (!cls)
        throw new TerrariumError(
          `${element.where}@class`,
          name,
          `a default class (${[...classes.keys()].join(', ')})`,
        );
      const kind = ACTUATOR_TAGS.has(element.tag) ? 'actuator' : element.tag;
      const { class: _class, ...own } = element.attrs;
      return { ...cls[kind], ...own };
    },
    number(text, at) {
      if (text === undefined) throw new TerrariumError(at, undefined, 'a number');
      const values = numbersOf(text, at);
      if (values.length !== 1) throw new TerrariumError(at, text, 'one number');
      return values[0]!;
    },
    numbers: numbersOf,
    vec(text, n, at) {
      const values = numbersOf(text, at);
      if (values.length !== n) throw new TerrariumError(at, text, `${n} numbers`);
      return values;
    },
  };
  return ctx;
}
