import { TerrariumError } from '../core/errors.js';
import { dynamicsSchema } from './task.js';

type Json = Record<string, unknown>;

const DYNAMICS_FIELDS = Object.keys(dynamicsSchema.shape);

/**
 * A task given in part, completed from `base` (an env's default task): objects merge field by field, arrays and
 * numbers replace; an object whose `kind` differs from the base's (another goal kind, another terrain) replaces it
 * whole, since its fields are another kind's. Dynamics fields may be given at the top level as a shorthand
 * (`{"friction": 0.3}` is `{"dynamics": {"friction": 0.3}}`): no task has top-level fields of those names, so the
 * shorthand is unambiguous; giving a field both ways is refused. The result is not validated here (see the env's
 * task schema); `root` names the input in errors (e.g. "--task").
 */
export function completeTask(base: unknown, partial: unknown, root = 'task'): unknown {
  if (!isObject(partial))
    throw new TerrariumError(root, partial, 'a JSON object with some of the task fields');
  const dynamicsAtTop = Object.keys(partial).filter((key) => DYNAMICS_FIELDS.includes(key));
  let given: Json = partial;
  if (dynamicsAtTop.length > 0) {
    if (partial.dynamics !== undefined && !isObject(partial.dynamics))
      throw new TerrariumError(`${root}.dynamics`, partial.dynamics, 'an object');
    const nested = isObject(partial.dynamics) ? partial.dynamics : {};
    const both = dynamicsAtTop.find((key) => key in nested);
    if (both !== undefined) {
      throw new TerrariumError(
        `${root}.${both}`,
        partial[both],
        `the field once, as ${both} or as dynamics.${both}, not both`,
      );
    }
    const { dynamics: _, ...rest } = partial;
    const moved = Object.fromEntries(dynamicsAtTop.map((key) => [key, partial[key]]));
    for (const key of dynamicsAtTop) delete rest[key];
    given = { ...rest, dynamics: { ...nested, ...moved } };
  }
  return merge(base, given);
}

function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  if ('kind' in over && over.kind !== base.kind) return over;
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(over)) merged[key] = merge(base[key], value);
  return merged;
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
