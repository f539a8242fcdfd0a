import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLock, writeLock } from '../../../../models/manager/lock.js';
import { ModelManager } from '../../../../models/manager/manager.js';
import type { ModelEntry } from '../../../../models/manager/manifest.js';
import { sha256Hex } from '../../../helpers/sha256.js';

const MODEL: ModelEntry = {
  id: 'tiny',
  role: 'stt',
  repo: 'acme/tiny',
  revision: 'main',
  files: [{ path: 'model.onnx' }],
};
const BYTES = Buffer.from('the real weights');
const KEY = 'acme/tiny@main/model.onnx';

describe('models.lock.json', () => {
  let dir: string;
  let lockPath: string;
  let fetches: number;
  const manager = () =>
    new ModelManager({
      dir,
      baseUrl: 'http://127.0.0.1:9',
      models: [MODEL],
      sets: {},
      fetchImpl: async () => {
        fetches++;
        throw new Error('no network in this test');
      },
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sightline-lock-'));
    lockPath = join(dir, 'models.lock.json');
    fetches = 0;
    await mkdir(join(dir, 'acme', 'tiny'), { recursive: true });
    await writeFile(join(dir, 'acme', 'tiny', 'model.onnx'), BYTES);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('verify fails against the pinned sha256 of a well-formed lock', async () => {
    await writeLock(lockPath, { [KEY]: { sha256: 'a'.repeat(64), sizeBytes: BYTES.length } });
    const [result] = await manager().verify(['tiny']);
    expect(result).toMatchObject({ label: 'tiny/model.onnx', ok: false });
    const good = sha256Hex(BYTES);
    await writeLock(lockPath, { [KEY]: { sha256: good, sizeBytes: BYTES.length } });
    expect((await manager().verify(['tiny']))[0]).toMatchObject({ ok: true, reason: 'sha256 ok' });
  });

  it('a corrupt lock makes verify and pull fail, naming the file and the fix, instead of passing every file', async () => {
    await writeFile(lockPath, '{"acme/tiny@main/model.onnx": {"sha256": "aaaa');
    const expected = {
      code: 'ERR_MODELS_LOCK',
      message: expect.stringMatching(
        new RegExp(
          `${lockPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid JSON.*npx sightline models pull`,
        ),
      ),
    };
    await expect(manager().verify(['tiny'])).rejects.toMatchObject(expected);
    await rm(join(dir, 'acme', 'tiny', 'model.onnx'));
    await expect(manager().pull(['tiny'])).rejects.toMatchObject(expected);
    expect(fetches).toBe(0);
  });

  it.each([
    ['an array', '[]', 'does not hold a JSON object'],
    ['a null', 'null', 'does not hold a JSON object'],
    ['an entry without sha256', `{"${KEY}": {"sizeBytes": 3}}`, `malformed entry for "${KEY}"`],
    ['a short sha256', `{"${KEY}": {"sha256": "abc", "sizeBytes": 3}}`, `malformed entry for "${KEY}"`],
    ['a fractional size', `{"${KEY}": {"sha256": "${'b'.repeat(64)}", "sizeBytes": 1.5}}`, 'malformed entry'],
  ])('rejects a lock holding %s', async (_what, text, problem) => {
    await writeFile(lockPath, text);
    await expect(readLock(lockPath)).rejects.toMatchObject({
      code: 'ERR_MODELS_LOCK',
      message: expect.stringContaining(problem),
    });
  });

  it('reads a missing lock as empty, and an unreadable one as an error', async () => {
    expect(await readLock(lockPath)).toEqual({});
    await mkdir(lockPath);
    await expect(readLock(lockPath)).rejects.toMatchObject({
      code: 'ERR_MODELS_LOCK',
      message: expect.stringContaining('cannot be read'),
    });
  });

  it('round-trips what it writes', async () => {
    const lock = { [KEY]: { sha256: 'c'.repeat(64), sizeBytes: 12 } };
    await writeLock(join(dir, 'new', 'models.lock.json'), lock);
    expect(await readLock(join(dir, 'new', 'models.lock.json'))).toEqual(lock);
  });
});
