import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isMissingFile } from '../../core/files.js';

/** Bytes of the regular files under `path` (0 when it does not exist); links are not followed. */
export async function diskUsageBytes(path: string): Promise<number> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    if (isMissingFile(error)) return 0;
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return (await lstat(path)).size;
    throw error;
  }
  let total = 0;
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) total += await diskUsageBytes(child);
    else if (entry.isFile()) total += (await lstat(child)).size;
  }
  return total;
}
