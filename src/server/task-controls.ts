/**
 * The controls a page draws to compose a task: one per leaf of the env's task schema (read from its zod schema, so
 * they never drift from what the server accepts), each with the bounds the server enforces and the values the run's
 * training tasks took. Fields under one kind of a discriminated union (a terrain's `angle`) carry `when`, the
 * discriminant that shows them. Records (per-body mass scales) have no control: the page's JSON editor takes them.
 */
import { z } from 'zod';

export interface TaskControl {
  /** Dotted path in the task (`dynamics.friction`; a tuple's items by index: `goal.direction.0`). */
  path: string;
  type: 'number' | 'integer' | 'choice';
  /** Bounds the server accepts (absent: unbounded). */
  min?: number;
  max?: number;
  /** A choice's options (a union's kinds, an enum's values). */
  choices?: string[];
  /** null is accepted (`dynamics.crippledLeg`: every leg works). */
  nullable?: boolean;
  /** The field may be left out. */
  optional?: boolean;
  /** Shown only while the field at `path` has `value` (the fields of one terrain kind). */
  when?: { path: string; value: string };
  /** What the run's training tasks had: a numeric field's [min, max], or a choice's values, absent if never set. */
  trained?: { min: number; max: number } | { values: (string | number | null)[] };
}

interface Walk {
  path: string;
  optional: boolean;
  nullable: boolean;
  when?: TaskControl['when'];
}

/** The controls of `schema`, with the ranges the `trainingTasks` took. */
export function taskControls(schema: z.ZodType, trainingTasks: readonly unknown[] = []): TaskControl[] {
  const controls = walk(schema, { path: '', optional: false, nullable: false });
  const seen = new Set<string>();
  return controls
    .filter((control) => {
      const key = `${control.path}|${control.when?.value ?? ''}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((control) => {
      const trained = trainedRange(control, trainingTasks);
      return trained ? { ...control, trained } : control;
    });
}

function walk(schema: z.ZodType, at: Walk): TaskControl[] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault)
    return walk(schema.unwrap() as z.ZodType, { ...at, optional: true });
  if (schema instanceof z.ZodNullable) return walk(schema.unwrap() as z.ZodType, { ...at, nullable: true });
  const child = (key: string | number): Walk => ({
    path: at.path ? `${at.path}.${key}` : String(key),
    optional: false,
    nullable: false,
    ...(at.when ? { when: at.when } : {}),
  });
  if (schema instanceof z.ZodObject)
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, field]) =>
      walk(field, child(key)),
    );
  if (schema instanceof z.ZodTuple)
    return (schema.def.items as z.ZodType[]).flatMap((item, i) => walk(item, child(i)));
  if (schema instanceof z.ZodDiscriminatedUnion) return discriminated(schema, at);
  if (schema instanceof z.ZodNumber) {
    const control: TaskControl = { ...base(at), type: schema.format?.includes('int') ? 'integer' : 'number' };
    if (Number.isFinite(schema.minValue)) control.min = schema.minValue!;
    if (Number.isFinite(schema.maxValue)) control.max = schema.maxValue!;
    return [control];
  }
  if (schema instanceof z.ZodEnum)
    return [{ ...base(at), type: 'choice', choices: schema.options.map(String) }];
  if (schema instanceof z.ZodLiteral)
    return [{ ...base(at), type: 'choice', choices: [...schema.values].map(String) }];
  // Records, booleans, strings: left to the JSON editor.
  return [];
}

/** A union told apart by `discriminator`: a choice of its kinds, then each kind's own fields under `when`. */
function discriminated(schema: z.ZodDiscriminatedUnion, at: Walk): TaskControl[] {
  const key = schema.def.discriminator;
  const kindPath = at.path ? `${at.path}.${key}` : key;
  const options = schema.options as z.ZodObject[];
  const kinds = options.map((option) => String([...(option.shape[key] as z.ZodLiteral).values][0]));
  const controls: TaskControl[] = [{ ...base({ ...at, path: kindPath }), type: 'choice', choices: kinds }];
  options.forEach((option, i) => {
    const { [key]: _, ...fields } = option.shape as Record<string, z.ZodType>;
    controls.push(...walk(z.object(fields), { ...at, when: { path: kindPath, value: kinds[i]! } }));
  });
  return controls;
}

function base(at: Walk): Omit<TaskControl, 'type'> {
  return {
    path: at.path,
    ...(at.optional ? { optional: true } : {}),
    ...(at.nullable ? { nullable: true } : {}),
    ...(at.when ? { when: at.when } : {}),
  };
}

function trainedRange(control: TaskControl, tasks: readonly unknown[]): TaskControl['trained'] | undefined {
  const values: unknown[] = [];
  for (const task of tasks) {
    if (control.when && valueAt(task, control.when.path) !== control.when.value) continue;
    const value = valueAt(task, control.path);
    if (value !== undefined) values.push(value);
  }
  if (values.length === 0) return undefined;
  const numbers = values.filter((v): v is number => typeof v === 'number');
  if (control.type !== 'choice' && numbers.length === values.length)
    return { min: Math.min(...numbers), max: Math.max(...numbers) };
  const distinct = [...new Set(values.map((v) => (typeof v === 'number' || v === null ? v : String(v))))];
  return { values: distinct.sort((a, b) => String(a).localeCompare(String(b))) };
}

/** The value at a dotted path of a plain JSON task (undefined where the path leads nowhere). */
export function valueAt(task: unknown, path: string): unknown {
  let node = task;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
