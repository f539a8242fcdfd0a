import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonFile } from '../../../../models/runtime/files.js';

describe('readJsonFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sightline-json-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads an object, and a missing optional file as {}', async () => {
    await writeFile(join(dir, 'config.json'), '{"model_type":"whisper"}');
    expect(await readJsonFile(dir, 'config.json')).toEqual({ model_type: 'whisper' });
    expect(await readJsonFile(dir, 'generation_config.json')).toEqual({});
  });

  it('reports a missing required file as ERR_MODEL_MISSING', async () => {
    await expect(readJsonFile(dir, 'tokenizer.json', { required: true })).rejects.toMatchObject({
      code: 'ERR_MODEL_MISSING',
      message: `${join(dir, 'tokenizer.json')} is missing`,
    });
  });

  it.each([
    ['invalid JSON', '{"a":', 'is not valid JSON'],
    ['an array', '[1]', 'does not hold a JSON object'],
    ['null', 'null', 'does not hold a JSON object'],
  ])('reports %s as ERR_MODEL_LOAD naming the file', async (_what, text, problem) => {
    await writeFile(join(dir, 'config.json'), text);
    await expect(readJsonFile(dir, 'config.json')).rejects.toMatchObject({
      code: 'ERR_MODEL_LOAD',
      message: `${join(dir, 'config.json')} ${problem}`,
    });
  });

  it('reports a read error other than "missing" instead of reading it as {}', async () => {
    await mkdir(join(dir, 'config.json'));
    await expect(readJsonFile(dir, 'config.json')).rejects.toMatchObject({
      code: 'ERR_MODEL_LOAD',
      message: `cannot read ${join(dir, 'config.json')}`,
      cause: expect.objectContaining({ code: 'EISDIR' }),
    });
  });
});
