import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  IMAGE_TEXT_FEATURES,
  parseFeatureFile,
  rankFramesByText,
  readImageFeatures,
} from '../../../pipelines/video/ask/imageRank.js';
import type { TextImageModel } from '../../../pipelines/video/types.js';
import type { SightlineError } from '../../../protocol/errors.js';
import { DiskVideoFiles } from '../../../server/video/files.js';

/** A feature file as the format says: a JSON header line, then float32 LE rows. */
function featureBytes(dims: number, tMs: number[], rows: number[]): Buffer {
  const body = Buffer.alloc(rows.length * 4);
  for (const [i, v] of rows.entries()) body.writeFloatLE(v, i * 4);
  return Buffer.concat([Buffer.from(`${JSON.stringify({ dims, tMs })}\n`), body]);
}

const dir = mkdtempSync(join(tmpdir(), 'image-rank-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const model = (dims: number, text: number[]): TextImageModel => ({
  name: 'scripted',
  dims,
  embedImage: async () => new Float32Array(dims),
  embedText: async () => new Float32Array(text),
  dispose: async () => {},
});

describe('image-text features', () => {
  it('parses the header and little-endian rows', () => {
    const f = parseFeatureFile(featureBytes(2, [0, 1000, 2000], [1, 0, 0.5, 0.25, 0, -1]));
    expect(f.dims).toBe(2);
    expect(f.tMs).toEqual([0, 1000, 2000]);
    expect([...f.rows]).toEqual([1, 0, 0.5, 0.25, 0, -1]);
  });

  it.each([
    ['no header line', Buffer.from('{"dims":2,"tMs":[0]}')],
    ['a header that is not JSON', Buffer.from('dims=2\n')],
    ['dims missing', Buffer.from('{"tMs":[0]}\n')],
    ['rows of the wrong length', featureBytes(2, [0, 1000], [1, 0, 1])],
  ])('refuses %s with ERR_INVALID_ARGUMENT', (_name, bytes) => {
    let error: unknown;
    try {
      parseFeatureFile(bytes);
    } catch (e) {
      error = e;
    }
    expect((error as SightlineError).code).toBe('ERR_INVALID_ARGUMENT');
  });

  it('reads the video feature file; null when there is none', async () => {
    const files = new DiskVideoFiles(dir);
    expect(await readImageFeatures(files, 'v1')).toBeNull();
    const path = files.features('v1', IMAGE_TEXT_FEATURES);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, featureBytes(2, [0, 1000], [1, 0, 0, 1]));
    expect((await readImageFeatures(files, 'v1'))?.tMs).toEqual([0, 1000]);
  });

  it('ranks frames by cosine similarity to the text, best first; null for embeddings of another width', async () => {
    const f = parseFeatureFile(featureBytes(2, [0, 1000, 2000], [1, 0, 0.6, 0.8, 0, 1]));
    const ranked = await rankFramesByText(model(2, [0, 1]), f, 'a door');
    expect(ranked!.map((r) => r.tMs)).toEqual([2000, 1000, 0]);
    expect(ranked![1]!.similarity).toBeCloseTo(0.8, 6);
    expect(await rankFramesByText(model(3, [0, 1, 0]), f, 'a door')).toBeNull();
  });
});
