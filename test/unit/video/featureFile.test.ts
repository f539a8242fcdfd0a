import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { featureEntry, readFeatureFile, writeFeatureFile } from '../../../pipelines/video/featureFile.js';

const dir = mkdtempSync(join(tmpdir(), 'features-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('feature files (JSON header line, float32 LE rows)', () => {
  it('round-trips a header and row blocks, streamed from an async source', async () => {
    const path = join(dir, 'sub', 'vision.f32');
    async function* blocks() {
      yield Float32Array.from([1, 2, 3, 4, 5, 6]);
      yield Float32Array.from([-1, 0.5, 7, 8, 9, 10]);
    }
    await writeFeatureFile(path, { dims: 3, tMs: [0, 1000], rowsPerEntry: 2, encoder: 'x' }, blocks());
    const bytes = readFileSync(path);
    const nl = bytes.indexOf(0x0a);
    expect(JSON.parse(bytes.subarray(0, nl).toString())).toEqual({
      dims: 3,
      tMs: [0, 1000],
      rowsPerEntry: 2,
      encoder: 'x',
    });
    expect(bytes.length - nl - 1).toBe(12 * 4);
    expect(bytes.readFloatLE(nl + 1 + 6 * 4)).toBe(-1);
    const file = await readFeatureFile(path);
    expect(file.header.encoder).toBe('x');
    expect(Array.from(featureEntry(file, 1))).toEqual([-1, 0.5, 7, 8, 9, 10]);
    expect(() => featureEntry(file, 2)).toThrow(/entry 2 of 2/);
  });

  it('refuses blocks that do not add up to the header, and leaves no file behind', async () => {
    const path = join(dir, 'short.f32');
    await expect(writeFeatureFile(path, { dims: 2, tMs: [0, 1] }, [new Float32Array(2)])).rejects.toThrow(
      /2 values for a header of 4/,
    );
    await expect(readFeatureFile(path)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a body of the wrong length on read', async () => {
    const path = join(dir, 'cut.f32');
    writeFileSync(path, Buffer.concat([Buffer.from('{"dims":2,"tMs":[0]}\n'), Buffer.alloc(4)]));
    await expect(readFeatureFile(path)).rejects.toThrow(/4 body bytes, header says 8/);
  });
});
