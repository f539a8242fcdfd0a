import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError } from './errors.js';

/** True for the error `readFile` gives when the file does not exist. */
export function isMissingFile(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT';
}

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
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (!isMissingFile(error)) {
      throw new ModelError('ERR_MODEL_LOAD', `cannot read ${path}`, { cause: error });
    }
    if (options.required) throw new ModelError('ERR_MODEL_MISSING', `${path} is missing`, { cause: error });
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelError('ERR_MODEL_LOAD', `${path} is not valid JSON`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelError('ERR_MODEL_LOAD', `${path} does not hold a JSON object`);
  }
  return json as Record<string, unknown>;
}
