/**
 * Robot spec validation errors as sentences: each names the field, the value received and what is allowed, and an
 * unknown field lists the fields allowed where it stands (zod's own issue carries only the unknown key).
 */
import type { z } from 'zod';
import { formatValue, TerrariumError } from '../core/errors.js';

type Issue = z.core.$ZodIssue;
type Path = PropertyKey[];
// zod 4 keeps a schema's structure in `_zod.def`; only the kinds a robot spec uses are walked.
type Def = {
  type: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  items?: unknown[];
  innerType?: unknown;
  out?: unknown;
  in?: unknown;
  options?: unknown[];
  discriminator?: string;
};
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

function valueAt(input: unknown, path: Path): unknown {
  let node = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** The object schema(s) that `input` at `path` was checked against (unions: every option that could apply). */
function schemasAt(schema: unknown, input: unknown, path: Path): unknown[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'default':
    case 'optional':
      return schemasAt(def.innerType, input, path);
    case 'pipe':
      // A preprocess pipe: `in` is the transform, `out` the schema that checked its result.
      return schemasAt(defOf(def.in).type === 'transform' ? def.out : def.in, input, path);
    case 'union': {
      const options = def.options ?? [];
      const tag = def.discriminator;
      const own = tag ? valueAt(input, [tag]) : undefined;
      const matching =
        tag && typeof own === 'string' ? options.filter((o) => literalValues(o, tag).includes(own)) : options;
      const picked = matching.length > 0 ? matching : options;
      return picked.flatMap((o) => schemasAt(o, input, path));
    }
  }
  if (path.length === 0) return [schema];
  const [key, ...rest] = path;
  const next = valueAt(input, [key!]);
  if (def.type === 'object' && def.shape && typeof key === 'string' && key in def.shape)
    return schemasAt(def.shape[key], next, rest);
  if (def.type === 'array') return schemasAt(def.element, next, rest);
  if (def.type === 'tuple' && typeof key === 'number' && def.items?.[key])
    return schemasAt(def.items[key], next, rest);
  return [];
}

/** The values a union option accepts for its discriminator `tag` (a literal or an enum). */
function literalValues(option: unknown, tag: string): unknown[] {
  const schemas = schemasAt(option, {}, []);
  return schemas.flatMap((s) => {
    const field = defOf(s).shape?.[tag];
    if (!field) return [];
    const d = defOf(field) as Def & { values?: unknown[]; entries?: Record<string, unknown> };
    return d.values ?? Object.values(d.entries ?? {});
  });
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** `expected ...` of one issue, as a phrase. */
function expectedOf(issue: Issue, schema: unknown, input: unknown): string {
  const i = issue as Issue & Record<string, unknown>;
  switch (issue.code) {
    case 'invalid_type':
      return `${article(String(i.expected))}${valueAt(input, issue.path) === undefined ? ' (the field is required)' : ''}`;
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = small ? i.minimum : i.maximum;
      const op = small ? (i.inclusive ? '>=' : '>') : i.inclusive ? '<=' : '<';
      if (i.origin === 'array') {
        const tuple = schemasAt(schema, input, issue.path).some((s) => defOf(s).type === 'tuple');
        return tuple ? `exactly ${bound} numbers` : `a list of ${op} ${bound} items`;
      }
      if (i.origin === 'string')
        return issue.message.startsWith('Too') ? 'a non-empty string' : issue.message;
      return `a number ${op} ${bound}`;
    }
    case 'invalid_value':
      return `one of ${(i.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union': {
      const options = (i.options as unknown[] | undefined)?.map((v) => JSON.stringify(v));
      return options ? `one of ${options.join(', ')}` : 'one of the allowed forms';
    }
    default:
      return issue.message;
  }
}

/**
 * The first issue of `error` as a TerrariumError. A union's failure is reported from the option that fits the
 * value's kind (a string part or a sensor object), so the message names the real mistake.
 */
function toError(error: z.ZodError, schema: unknown, input: unknown, source: string): TerrariumError {
  let issue = error.issues[0]! as Issue;
  while (issue.code === 'invalid_union' && !('note' in issue && issue.note)) {
    const branches = (issue as { errors: Issue[][] }).errors;
    const fitting =
      branches.find((b) => b[0] && b[0].path.length > 0) ??
      branches.find((b) => b[0] && !(b[0].code === 'invalid_type' && b[0].path.length === 0));
    if (!fitting) break;
    const prefix = issue.path;
    issue = { ...fitting[0]!, path: [...prefix, ...fitting[0]!.path] } as Issue;
  }
  const where = (path: Path) => [source, ...path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const allowed = schemasAt(schema, input, issue.path).flatMap((s) => Object.keys(defOf(s).shape ?? {}));
    const path = [...issue.path, key];
    return new TerrariumError(
      where(path),
      valueAt(input, path),
      `no field ${formatValue(key)} here (allowed fields: ${[...new Set(allowed)].join(', ')})`,
    );
  }
  return new TerrariumError(where(issue.path), valueAt(input, issue.path), expectedOf(issue, schema, input));
}

/** Parses a robot spec (or a part of one) with `schema`, throwing a sentence-like TerrariumError on failure. */
export function parseRobotSchema<S extends z.ZodType>(
  schema: S,
  input: unknown,
  source: string,
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw toError(result.error, schema, input, source);
}
