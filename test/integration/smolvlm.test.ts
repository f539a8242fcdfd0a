import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmolVlmTinyOptions, writeSmolVlmTiny } from '../../models/tiny/smolvlmTiny.js';
import { preprocessStill, preprocessVideoFrame } from '../../models/vision/smolvlmImage.js';
import { SMOLVLM_LAYOUT, SmolVlmRunner } from '../../models/vlm/smolvlm.js';
import { collect } from '../helpers/collect.js';
import { tinyModelDir } from '../helpers/tinyModels.js';

let vlm: SmolVlmRunner;
let photo: Buffer;
beforeAll(async () => {
  vlm = await SmolVlmRunner.load(tinyModelDir('smolvlm'));
  photo = await sharp({
    create: { width: 400, height: 300, channels: 3, background: { r: 200, g: 40, b: 40 } },
  })
    .png()
    .toBuffer();
});
afterAll(() => vlm.dispose());

async function imagePrompt(question: string) {
  const img = await preprocessStill(photo, vlm.imageConfig);
  const prompt = vlm.buildPrompt(
    [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: question }] }],
    [{ kind: 'image', rows: img.rows, cols: img.cols }],
  );
  const ids = vlm.tokenize(prompt);
  const rows = await vlm.encodeImages(img);
  return { img, prompt, ids, rows };
}

describe('SmolVLM runner on a tiny-random model with the real export contract', () => {
  it('expands an image into tiles + global image, 64 image tokens each, via the chat template', async () => {
    const { img, prompt, ids, rows } = await imagePrompt('What is this?');
    expect(img.count).toBe(img.rows * img.cols + 1);
    expect(prompt.startsWith('<|im_start|>User:<fake_token_around_image><row_1_col_1>')).toBe(true);
    expect(prompt.endsWith('What is this?<end_of_utterance>\nAssistant:')).toBe(true);
    expect(ids.filter((i) => i === vlm.imageTokenId).length).toBe(img.count * 64);
    expect(rows.length).toBe(img.count * 64 * vlm.hidden);
  });

  it("renders video with the processor's video template (the repo's chat_template.json is image-only), as SmolVLMProcessor writes it", () => {
    const prompt = vlm.buildPrompt(
      [{ role: 'user', content: [{ type: 'video' }, { type: 'text', text: 'When does the door open?' }] }],
      [{ kind: 'video', frameTimesMs: [0, 1000, 65_000], durationMs: 66_000 }],
    );
    const frame = `<fake_token_around_image><global-img>${'<image>'.repeat(64)}<fake_token_around_image>`;
    // processing_smolvlm.py / video_processing_smolvlm.py: DEFAULT_VIDEO_INTRO with num2words(3),
    // FRAME_TIMESTAMP_MESSAGE per frame, DEFAULT_MEDIA_OUTTRO, inside DEFAULT_CHAT_TEMPLATE.
    expect(prompt).toBe(
      '<|im_start|>User: You are provided the following series of three frames from a 0:01:06 [H:MM:SS] video.\n' +
        `\nFrame from 00:00:${frame}\nFrame from 00:01:${frame}\nFrame from 01:05:${frame}` +
        '\n\nWhen does the door open?<end_of_utterance>\nAssistant:',
    );
    expect(vlm.tokenize(prompt).filter((i) => i === vlm.imageTokenId).length).toBe(3 * 64);
  });

  it('has fewer KV heads than query heads in the decoder cache (GQA, like the real 3 of 9)', async () => {
    const session = await ort.InferenceSession.create(
      join(tinyModelDir('smolvlm'), SMOLVLM_LAYOUT.sessions.decoder),
    );
    const i = session.inputNames.indexOf('past_key_values.0.key');
    const meta = session.inputMetadata[i] as { shape: readonly (number | string)[] };
    await session.release();
    expect(meta.shape).toEqual(['batch_size', 2, 'past_sequence_length', 8]);
    expect(vlm.hidden / 8).toBe(6);
  });

  // Measured 3.8e-6 on logits up to 6.6 in magnitude; the bound is about 5 times that.
  it('gives the same logits with the KV cache as with full recompute (max abs diff < 2e-5)', async () => {
    const { ids, rows } = await imagePrompt('Describe.');
    const embeds = await vlm.embed(ids, rows);
    const a: Float32Array[] = [];
    const b: Float32Array[] = [];
    const ta = await collect(vlm.generate(embeds, { maxNewTokens: 12, onStep: (_, l) => a.push(l) }));
    const tb = await collect(
      vlm.generate(embeds, { maxNewTokens: 12, useKvCache: false, onStep: (_, l) => b.push(l) }),
    );
    expect(a.length).toBeGreaterThan(3);
    expect(a.length).toBe(b.length);
    let max = 0;
    a.forEach((row, s) => {
      for (let i = 0; i < row.length; i++)
        max = Math.max(max, Math.abs((row[i] as number) - ((b[s] as Float32Array)[i] as number)));
    });
    expect(max).toBeLessThan(2e-5);
    expect(ta.map((t) => t.id)).toEqual(tb.map((t) => t.id));
  });

  // Measured identical (0 difference); 1e-6 leaves room for another CPU's kernels.
  it('encodes a batch of N frames exactly as N single frames', async () => {
    const frames = await Promise.all(
      [10, 120, 250].map((v) =>
        preprocessVideoFrame(
          {
            rgb: new Uint8Array(64 * 48 * 3).map((_, i) => (i * v) % 256),
            width: 64,
            height: 48,
          },
          vlm.imageConfig,
        ),
      ),
    );
    const batched = await vlm.encodeImages({
      pixels: Float32Array.from(frames.flatMap((f) => [...f.pixels])),
      count: 3,
      rows: 0,
      cols: 0,
    });
    const singles = await Promise.all(frames.map((f) => vlm.encodeImages(f)));
    const joined = Float32Array.from(singles.flatMap((s) => [...s]));
    let max = 0;
    for (let i = 0; i < joined.length; i++)
      max = Math.max(max, Math.abs((joined[i] as number) - (batched[i] as number)));
    expect(max).toBeLessThan(1e-6);
  });

  it('puts any given feature rows at the image tokens, and refuses a count mismatch', async () => {
    const { ids, rows } = await imagePrompt('Hi');
    const first: Float32Array[] = [];
    const second: Float32Array[] = [];
    await collect(
      vlm.generate(await vlm.embed(ids, rows), { maxNewTokens: 1, onStep: (_, l) => first.push(l) }),
    );
    await collect(
      vlm.generate(await vlm.embed(ids, new Float32Array(rows.length)), {
        maxNewTokens: 1,
        onStep: (_, l) => second.push(l),
      }),
    );
    expect(first[0]).not.toEqual(second[0]);
    await expect(vlm.embed(ids, rows.subarray(0, rows.length - vlm.hidden))).rejects.toMatchObject({
      code: 'ERR_MODEL_INPUT',
    });
  });

  it('streams text pieces that add up, honours max tokens, stop strings and seeded sampling', async () => {
    const embeds = await vlm.embed(
      vlm.tokenize(vlm.buildPrompt([{ role: 'user', content: [{ type: 'text', text: 'Say something.' }] }])),
      null,
    );
    const greedy = await collect(vlm.generate(embeds, { maxNewTokens: 20 }));
    expect(greedy.length).toBeLessThanOrEqual(20);
    const full = greedy.map((t) => t.text).join('');
    expect(full.length).toBeGreaterThan(4);
    const stop = full.slice(2, 4);
    const cut = await collect(vlm.generate(embeds, { maxNewTokens: 20, stop: [stop] }));
    const text = cut.map((t) => t.text).join('');
    expect(text).toBe(full.slice(0, full.indexOf(stop)));
    expect(text).not.toContain(stop);
    const s1 = await collect(
      vlm.generate(embeds, { maxNewTokens: 10, temperature: 1.2, topP: 0.9, seed: 5 }),
    );
    const s2 = await collect(
      vlm.generate(embeds, { maxNewTokens: 10, temperature: 1.2, topP: 0.9, seed: 5 }),
    );
    expect(s1).toEqual(s2);
  });

  it('stops within one token step of an abort', async () => {
    const embeds = await vlm.embed(vlm.tokenize('<|im_start|>User: go<end_of_utterance>\nAssistant:'), null);
    const ac = new AbortController();
    let steps = 0;
    const gen = vlm.generate(embeds, {
      maxNewTokens: 50,
      signal: ac.signal,
      repetitionPenalty: 1.3,
      onStep: (s) => {
        steps = s + 1;
        if (s === 2) ac.abort();
      },
    });
    await expect(collect(gen)).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(steps).toBe(3);
  });
});

describe('SmolVLM runner reads what differs between exports from their files', () => {
  const root = mkdtempSync(join(tmpdir(), 'smolvlm-variants-'));
  const variant = (name: string, options: SmolVlmTinyOptions): string => {
    const dir = join(root, name);
    writeSmolVlmTiny(dir, 11, options);
    return dir;
  };
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('takes tile and edge sizes from preprocessor_config.json (a 384² vision encoder, as in the 2.2B)', async () => {
    const small = await SmolVlmRunner.load(variant('tile384', { tile: 384 }));
    try {
      expect(small.imageConfig).toMatchObject({ tileSize: 384, longestEdge: 1536 });
      const img = await preprocessStill(photo, small.imageConfig);
      expect(img.pixels.length).toBe(img.count * 3 * 384 * 384);
      const rows = await small.encodeImages(img);
      expect(rows.length).toBe(img.count * 64 * small.hidden);
      await expect(small.encodeImages(await preprocessStill(photo, vlm.imageConfig))).rejects.toMatchObject({
        code: 'ERR_MODEL_INPUT',
      });
    } finally {
      await small.dispose();
    }
  });

  it('prefers chat_template.json over a template in tokenizer_config.json, and needs one of them', async () => {
    const dir = variant('templates', {});
    const tokenizerConfig = { bos_token: '<|im_start|>', chat_template: 'FROM TOKENIZER CONFIG' };
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
    const both = await SmolVlmRunner.load(dir);
    const text = both.buildPrompt([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
    await both.dispose();
    expect(text).toBe('<|im_start|>User: Hi<end_of_utterance>\nAssistant:');
    unlinkSync(join(dir, 'chat_template.json'));
    const fallback = await SmolVlmRunner.load(dir);
    const fromTokenizer = fallback.buildPrompt([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
    await fallback.dispose();
    expect(fromTokenizer).toBe('FROM TOKENIZER CONFIG');
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<|im_start|>' }));
    await expect(SmolVlmRunner.load(dir)).rejects.toMatchObject({
      code: 'ERR_MODEL_LOAD',
      message: expect.stringContaining('chat_template.json'),
    });
  });

  /** One video frame's feature rows, the prompt's embeddings and the greedy logits per step. */
  async function trace(runner: SmolVlmRunner, useKvCache = true) {
    const rgb = new Uint8Array(64 * 48 * 3).map((_, i) => (i * 37) % 256);
    const frame = await preprocessVideoFrame({ rgb, width: 64, height: 48 }, runner.imageConfig);
    const prompt = runner.buildPrompt(
      [{ role: 'user', content: [{ type: 'video' }, { type: 'text', text: 'Describe.' }] }],
      [{ kind: 'video', frameTimesMs: [0], durationMs: 1000 }],
    );
    const rows = await runner.encodeImages(frame);
    const embeds = await runner.embed(runner.tokenize(prompt), rows);
    const logits: Float32Array[] = [];
    const tokens = await collect(
      runner.generate(embeds, { maxNewTokens: 8, useKvCache, onStep: (_, l) => logits.push(l) }),
    );
    return { rows, embeds, logits, ids: tokens.map((t) => t.id) };
  }
  type Trace = Awaited<ReturnType<typeof trace>>;
  let float32Trace: Promise<Trace> | undefined;

  const maxAbsDiff = (a: Float32Array, b: Float32Array) => {
    expect(a.length).toBe(b.length);
    let max = 0;
    for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
    return max;
  };

  /** Largest logits difference over the steps up to where two greedy decodes first pick different tokens. */
  const logitsDiff = (a: Trace, b: Trace) => {
    let same = 0;
    while (same < Math.min(a.ids.length, b.ids.length) && a.ids[same] === b.ids[same]) same++;
    let max = 0;
    const steps = Math.min(same + 1, a.logits.length, b.logits.length);
    for (let s = 0; s < steps; s++)
      max = Math.max(max, maxAbsDiff(a.logits[s] as Float32Array, b.logits[s] as Float32Array));
    return { max, steps };
  };

  // Measured (features up to 1.3 and logits up to 6.6, where float16 steps by 1e-3 and 4e-3):
  // all float16: features 6.8e-4, logits 2.6e-3 against float32 and 2.0e-3 against recompute;
  // mixed: features 4.9e-4, logits 1.4e-3 and 1.3e-4. Each bound is about 3 times its measure.
  it.each([
    ['every boundary tensor float16 (an fp16 export)', { floatType: 'float16' }, [2e-3, 8e-3, 6e-3]],
    [
      'float16 and float32 mixed per tensor',
      {
        floatType: 'float16',
        floatTypes: { pixels: 'float32', decoderEmbeds: 'float32', logits: 'float32' },
      },
      [1.5e-3, 4e-3, 4e-4],
    ],
  ] as const)(
    'runs an export with %s close to the float32 one, reading each tensor type from its session',
    async (name, options, [rowsBound, logitsBound, recomputeBound]) => {
      float32Trace ??= trace(vlm);
      const half = await SmolVlmRunner.load(variant(name.replace(/\W+/g, '-'), options));
      try {
        const ref = await float32Trace;
        const got = await trace(half);
        const recomputed = await trace(half, false);
        const vsFloat32 = logitsDiff(ref, got);
        const vsRecompute = logitsDiff(got, recomputed);
        expect(got.logits.length).toBeGreaterThan(3);
        expect(maxAbsDiff(ref.rows, got.rows)).toBeLessThan(rowsBound);
        expect(maxAbsDiff(ref.embeds, got.embeds)).toBeLessThan(rowsBound);
        expect(vsFloat32.steps).toBeGreaterThan(3);
        expect(vsFloat32.max).toBeLessThan(logitsBound);
        expect(vsRecompute.steps).toBeGreaterThan(3);
        expect(vsRecompute.max).toBeLessThan(recomputeBound);
      } finally {
        await half.dispose();
      }
    },
  );

  it.each([
    ['pixel_values', { pixels: 'float64' }],
    ['image_features', { features: 'float64' }],
    ['inputs_embeds', { embeds: 'float64' }],
    ['inputs_embeds', { decoderEmbeds: 'float64' }],
    ['past_key_values.0.key', { cache: 'float64' }],
    ['logits', { logits: 'float64' }],
  ] as const)(
    'refuses at load, with ERR_MODEL_LOAD naming it, an export whose %s is neither float32 nor float16',
    async (tensor, floatTypes) => {
      const dir = variant(`fp64-${Object.keys(floatTypes)[0]}`, { floatTypes });
      await expect(SmolVlmRunner.load(dir)).rejects.toMatchObject({
        code: 'ERR_MODEL_LOAD',
        message: expect.stringContaining(`${tensor} is float64`),
      });
    },
  );
});
