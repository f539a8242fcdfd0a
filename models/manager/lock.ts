import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ModelError } from '../runtime/errors.js';
import { type JsonFileProblem, readJsonObject } from '../runtime/files.js';
import { PULL_COMMAND } from './manifest.js';

/** One pinned file: its sha256 (hex) and size. */
export interface LockEntry {
  sha256: string;
  sizeBytes: number;
}

/** sha256 and size of every file fetched so far, pinned on first download: `repo@revision/path` → entry. */
export type Lock = Record<string, LockEntry>;

function isEntry(v: unknown): v is LockEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(e.sha256) &&
    typeof e.sizeBytes === 'number' &&
    Number.isInteger(e.sizeBytes) &&
    e.sizeBytes >= 0
  );
}

function corrupt(path: string, problem: string, cause?: unknown): ModelError {
  return new ModelError(
    'ERR_MODELS_LOCK',
    `${path} ${problem}, so the pinned checksums cannot be trusted. Restore the file, or delete it together with the model files it pins and fetch them again with \`${PULL_COMMAND}\`.`,
    cause === undefined ? undefined : { cause },
  );
}

const LOCK_PROBLEM: Record<JsonFileProblem, string> = {
  unreadable: 'cannot be read',
  'not-json': 'is not valid JSON',
  'not-object': 'does not hold a JSON object',
};

/**
 * Reads the lock file. A missing file is an empty lock (nothing fetched yet);
 * an unreadable or malformed one is ERR_MODELS_LOCK naming the file and the
 * fix, never an empty lock (which would let `verify` pass every file).
 */
export async function readLock(path: string): Promise<Lock> {
  const json = await readJsonObject(path, {
    missing: () => ({}),
    fail: (problem, cause) => corrupt(path, LOCK_PROBLEM[problem], cause),
  });
  for (const [key, value] of Object.entries(json)) {
    if (!isEntry(value)) throw corrupt(path, `has a malformed entry for "${key}"`);
  }
  return json as Lock;
}

/** Writes the lock file atomically (a temporary file renamed into place). */
export async function writeLock(path: string, lock: Lock): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(lock, null, 2)}\n`);
  await rename(tmp, path);
}
