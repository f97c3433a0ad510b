import { readFile } from 'node:fs/promises';

/**
 * The value of a JSON file. The caller words the errors, since only it knows which input named the file:
 * `unreadable` for a file that cannot be read (missing, a directory, no permission), `invalid` for one that is not
 * JSON (given its text and the parser's reason).
 */
export async function readJsonFile(
  path: string,
  errors: { unreadable: () => Error; invalid: (text: string, reason: string) => Error },
): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw errors.unreadable();
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw errors.invalid(text, (error as Error).message);
  }
}
