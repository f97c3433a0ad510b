import { z } from 'zod';

/**
 * The field paths of a task schema, read from its zod schema so they never drift from what `reset` accepts:
 * `goal.kind`, `goal.position`, `dynamics.friction`, `dynamics.bodyMassScale.<body>`, `terrain.kind`, ... Objects
 * are walked into; the options of a union (a goal's or a terrain's kinds) contribute their fields once each;
 * tuples, records' values and scalars are leaves. `unused`: fields (and the fields under them) the env accepts but
 * ignores (ball-nav has no joints to damp), left out.
 */
export function taskFieldPaths(schema: z.ZodType, unused: readonly string[] = []): string[] {
  const ignored = (path: string) => unused.some((u) => path === u || path.startsWith(`${u}.`));
  return [...new Set(walk(schema, ''))].filter((path) => !ignored(path));
}

function walk(schema: z.ZodType, path: string): string[] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodNullable)
    return walk(schema.unwrap() as z.ZodType, path);
  if (schema instanceof z.ZodObject) {
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, field]) =>
      walk(field, path ? `${path}.${key}` : key),
    );
  }
  if (schema instanceof z.ZodUnion)
    return (schema.options as z.ZodType[]).flatMap((option) => walk(option, path));
  if (schema instanceof z.ZodRecord) return [`${path}.<${recordKeyName(path)}>`];
  return [path];
}

/** `dynamics.bodyMassScale.<body>`: a record's keys are named for what they are. */
function recordKeyName(path: string): string {
  return path.endsWith('bodyMassScale') ? 'body' : 'key';
}
