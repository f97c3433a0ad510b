import type { ZodError } from 'zod';

/**
 * The one error type of Terrarium: it names the input field (`path`), the value received and what is allowed,
 * so the CLI prints one line and the server can forward it to a viewer unchanged.
 */
export class TerrariumError extends Error {
  readonly path: string;
  readonly value: unknown;
  readonly expected: string;

  constructor(path: string, value: unknown, expected: string, detail?: string) {
    super(`${path}: expected ${expected}, got ${formatValue(value)}${detail ? ` (${detail})` : ''}`);
    this.name = 'TerrariumError';
    this.path = path;
    this.value = value;
    this.expected = expected;
  }

  toJSON(): { path: string; value: unknown; expected: string; message: string } {
    return { path: this.path, value: safeJson(this.value), expected: this.expected, message: this.message };
  }
}

export function formatValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}...` : value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value === undefined) return 'undefined (missing)';
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as Float32Array).length})`;
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

function safeJson(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value) ?? 'null');
  } catch {
    return String(value);
  }
}

/** Turns the first issue of a zod error into a TerrariumError whose path starts with `root`. */
export function fromZodError(error: ZodError, root: string, input: unknown): TerrariumError {
  const issue = error.issues[0]!;
  const path = [root, ...issue.path.map(String)].filter((part) => part !== '').join('.');
  const value = issue.path.reduce<unknown>(
    (node, key) =>
      node !== null && typeof node === 'object'
        ? (node as Record<string, unknown>)[key as string]
        : undefined,
    input,
  );
  return new TerrariumError(path || root, value, describeIssue(issue));
}

function describeIssue(issue: ZodError['issues'][number]): string {
  const i = issue as unknown as Record<string, unknown>;
  switch (issue.code) {
    case 'too_small':
      return `${i.origin === 'array' ? 'an array with length' : 'a value'} ${i.inclusive ? '>=' : '>'} ${i.minimum}`;
    case 'too_big':
      return `${i.origin === 'array' ? 'an array with length' : 'a value'} ${i.inclusive ? '<=' : '<'} ${i.maximum}`;
    case 'invalid_type':
      return `${i.expected}`;
    case 'invalid_value':
      return `one of ${(i.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `no unknown field (unknown: ${(i.keys as string[])
        .slice(0, 5)
        .map((key) => (key.length > 40 ? `${key.slice(0, 40)}...` : key))
        .join(', ')})`;
    case 'invalid_union':
      return issue.message.replace(/^Invalid input:?\s*/i, '') || 'one of the allowed shapes';
    default:
      return issue.message;
  }
}

/** Parses `input` with `schema`, throwing a TerrariumError rooted at `root` on failure. */
export function parseWith<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodError } },
  input: unknown,
  root: string,
): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw fromZodError(result.error, root, input);
}
