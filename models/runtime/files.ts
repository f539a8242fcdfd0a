import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Reads `dir/name` as a JSON object; a missing optional config file reads as `{}`. */
export async function readJsonFile(dir: string, name: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(join(dir, name), 'utf8');
  } catch {
    return {};
  }
  return JSON.parse(text) as Record<string, unknown>;
}
