import { copyFileSync, cpSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmImage } from '../../../models/roles/llm.js';
import { SIGLIP_LAYOUT, SiglipTextImage } from '../../../models/textImage/siglip.js';
import { cosineSimilarity } from '../../../models/textImage/similarity.js';
import { SIGLIP_TINY } from '../../../models/tiny/siglipTiny.js';
import { tinyModelDir } from '../../helpers/tinyModels.js';

/** A width × height RGB image whose pixels are `f(x, y)`. */
function image(
  width: number,
  height: number,
  f: (x: number, y: number) => [number, number, number],
): LlmImage {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgb.set(f(x, y), (y * width + x) * 3);
  return { rgb, width, height };
}

const warm = image(96, 64, (x, y) => [200, (x * 2) % 256, (y * 3) % 256]);
const cool = image(80, 80, (x, y) => [(y * 3) % 256, 40, 255 - ((x * 3) % 256)]);
const stripes = image(320, 180, (x) => (Math.floor(x / 20) % 2 === 0 ? [255, 255, 255] : [0, 0, 0]));

const norm = (v: Float32Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    return (error as { code?: string }).code ?? `no code: ${String(error)}`;
  }
  return 'resolved';
}

describe('SigLIP text–image runner on the tiny model (the real export contract)', () => {
  let model: SiglipTextImage;
  beforeAll(async () => {
    model = await SiglipTextImage.load(tinyModelDir('siglip'), { name: 'siglip-tiny' });
  });
  afterAll(() => model.dispose());

  it('reads its width from the pooled output and its settings from the repo files', () => {
    expect(model.name).toBe('siglip-tiny');
    expect(model.dims).toBe(SIGLIP_TINY.d);
    expect(model.imageConfig).toEqual({
      height: 224,
      width: 224,
      rescaleFactor: 1 / 255,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    });
    expect(model.textConfig).toEqual({ length: 64, padId: 1, eosId: 1, lowerCase: true });
  });

  it('embeds images of any size as unit vectors of `dims`', async () => {
    for (const img of [warm, cool, stripes]) {
      const v = await model.embedImage(img);
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(model.dims);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
  });

  it('gives the same image the same vector (also as a copy), and different images different vectors', async () => {
    const a = await model.embedImage(warm);
    const again = await model.embedImage({ ...warm, rgb: warm.rgb.slice() });
    expect(Array.from(again)).toEqual(Array.from(a));
    const b = await model.embedImage(cool);
    const c = await model.embedImage(stripes);
    expect(cosineSimilarity(a, b)).toBeLessThan(0.999);
    expect(cosineSimilarity(a, c)).toBeLessThan(0.999);
    expect(cosineSimilarity(b, c)).toBeLessThan(0.999);
  });

  it('embeds a batch of images as it embeds each alone', async () => {
    const batch = await model.embedImages([warm, cool]);
    expect(batch).toHaveLength(2);
    const alone = [await model.embedImage(warm), await model.embedImage(cool)];
    batch.forEach((v, i) => {
      expect(cosineSimilarity(v, alone[i] as Float32Array)).toBeCloseTo(1, 5);
    });
  });

  it('embeds a batch of texts as unit vectors, each as it is alone; equal texts equal, different texts differ', async () => {
    const texts = ['when does the door open', 'a red sign', 'when does the door open'];
    const batch = await model.embedTexts(texts);
    expect(batch).toHaveLength(3);
    for (const [i, v] of batch.entries()) {
      expect(v.length).toBe(model.dims);
      expect(norm(v)).toBeCloseTo(1, 5);
      expect(cosineSimilarity(v, await model.embedText(texts[i] as string))).toBeCloseTo(1, 5);
    }
    expect(Array.from(batch[2] as Float32Array)).toEqual(Array.from(batch[0] as Float32Array));
    expect(cosineSimilarity(batch[0] as Float32Array, batch[1] as Float32Array)).toBeLessThan(0.999);
  });

  it('pads every text to exactly 64 ids with </s>, after the </s> that ends it, as SiglipTokenizer does', () => {
    const ids = model.inputIds('the door');
    expect(ids).toHaveLength(64);
    const pad = model.textConfig.padId;
    const tokens = ids.slice(0, ids.indexOf(pad) + 1);
    expect(tokens.at(-1)).toBe(model.textConfig.eosId);
    expect(tokens.length).toBeGreaterThan(2);
    expect(ids.slice(tokens.length).every((id) => id === pad)).toBe(true);
  });

  it('lower-cases and drops punctuation before encoding (canonical text), so the same words embed the same', async () => {
    expect(model.inputIds('The DOOR, opens!')).toEqual(model.inputIds('the door opens'));
    expect(model.inputIds('  the\n\tdoor  ')).toEqual(model.inputIds('the door'));
    const a = await model.embedText('Platform 9: CLOSED.');
    const b = await model.embedText('platform 9 closed');
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('cuts a long text to 64 ids, keeping </s> last', () => {
    const ids = model.inputIds('x y z '.repeat(40));
    expect(ids).toHaveLength(64);
    expect(ids.at(-1)).toBe(model.textConfig.eosId);
    expect(ids.slice(0, 63)).not.toContain(model.textConfig.eosId);
  });

  it('refuses bad input with a ModelError code, before running anything', async () => {
    const short = { rgb: new Uint8Array(10), width: 4, height: 4 };
    expect(await codeOf(model.embedImage(short))).toBe('ERR_MODEL_INPUT');
    expect(await codeOf(model.embedImage({ rgb: new Uint8Array(0), width: 0, height: 0 }))).toBe(
      'ERR_MODEL_INPUT',
    );
    expect(await codeOf(model.embedImages([warm, short]))).toBe('ERR_MODEL_INPUT');
    expect(await codeOf(model.embedText('  ?!  '))).toBe('ERR_MODEL_INPUT');
    const aborted = AbortSignal.abort();
    expect(await codeOf(model.embedImage(warm, { signal: aborted }))).toBe('ERR_ABORTED');
    expect(await codeOf(model.embedText('the door', { signal: aborted }))).toBe('ERR_ABORTED');
    expect(await model.embedImages([])).toEqual([]);
    expect(await model.embedTexts([])).toEqual([]);
  });
});

describe('SigLIP runner: loading', () => {
  const scratch: string[] = [];
  const copyOfTiny = () => {
    const dir = mkdtempSync(join(tmpdir(), 'siglip-'));
    scratch.push(dir);
    cpSync(tinyModelDir('siglip'), dir, { recursive: true });
    return dir;
  };
  afterAll(() => {
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it('a missing directory is ERR_MODEL_MISSING', async () => {
    expect(await codeOf(SiglipTextImage.load(join(tmpdir(), 'no-such-siglip-dir')))).toBe(
      'ERR_MODEL_MISSING',
    );
  });

  it('a tower that does not match the recorded contract is refused at load (ERR_MODEL_LOAD)', async () => {
    const dir = copyOfTiny();
    copyFileSync(join(dir, SIGLIP_LAYOUT.sessions.vision), join(dir, SIGLIP_LAYOUT.sessions.text));
    expect(await codeOf(SiglipTextImage.load(dir))).toBe('ERR_MODEL_LOAD');
  });

  it('loads the int8 files (*_quantized.onnx) when the float32 ones are absent', async () => {
    const dir = copyOfTiny();
    renameSync(join(dir, SIGLIP_LAYOUT.sessions.vision), join(dir, SIGLIP_LAYOUT.quantized.vision));
    renameSync(join(dir, SIGLIP_LAYOUT.sessions.text), join(dir, SIGLIP_LAYOUT.quantized.text));
    const m = await SiglipTextImage.load(dir);
    try {
      expect(norm(await m.embedText('the door'))).toBeCloseTo(1, 5);
    } finally {
      await m.dispose();
    }
  });

  it('a disposed model refuses to run (ERR_MODEL_DISPOSED); dispose is idempotent', async () => {
    const m = await SiglipTextImage.load(tinyModelDir('siglip'));
    await m.dispose();
    await m.dispose();
    expect(await codeOf(m.embedText('the door'))).toBe('ERR_MODEL_DISPOSED');
  });
});
