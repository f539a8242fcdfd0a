import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMissingFile } from '../../core/files.js';
import { ModelError } from './errors.js';

/** Why a JSON file could not be read as an object: what `readJsonObject` asks its caller to word as an error. */
export type JsonFileProblem = 'unreadable' | 'not-json' | 'not-object';

/**
 * Reads `path` as a JSON object. A missing file gives what `missing(cause)`
 * returns (or throws); any other read failure, invalid JSON, or JSON that is
 * not an object throws what `fail(problem, cause)` returns, so each caller
 * names the file and its fix in its own error.
 */
export async function readJsonObject(
  path: string,
  handlers: {
    missing: (cause: unknown) => Record<string, unknown>;
    fail: (problem: JsonFileProblem, cause?: unknown) => Error;
  },
): Promise<Record<string, unknown>> {
  const { fail } = handlers;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isMissingFile(error)) return handlers.missing(error);
    throw fail('unreadable', error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw fail('not-json', error);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw fail('not-object');
  return json as Record<string, unknown>;
}

const MODEL_FILE_PROBLEM: Record<JsonFileProblem, (path: string) => string> = {
  unreadable: (path) => `cannot read ${path}`,
  'not-json': (path) => `${path} is not valid JSON`,
  'not-object': (path) => `${path} does not hold a JSON object`,
};

/**
 * Reads `dir/name` as a JSON object. A missing file reads as `{}` (an optional
 * config file) unless `required`, when it is ERR_MODEL_MISSING; any other read
 * failure, invalid JSON, or JSON that is not an object is ERR_MODEL_LOAD naming
 * the file.
 */
export async function readJsonFile(
  dir: string,
  name: string,
  options: { required?: boolean } = {},
): Promise<Record<string, unknown>> {
  const path = join(dir, name);
  return readJsonObject(path, {
    missing: (cause) => {
      if (options.required) throw new ModelError('ERR_MODEL_MISSING', `${path} is missing`, { cause });
      return {};
    },
    fail: (problem, cause) =>
      new ModelError(
        'ERR_MODEL_LOAD',
        MODEL_FILE_PROBLEM[problem](path),
        cause === undefined ? undefined : { cause },
      ),
  });
}
