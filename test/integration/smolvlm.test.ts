import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmMessage, LlmVideoFrame, VisualTokens } from '../../models/roles/llm.js';
import { SmolVlmLlm } from '../../models/roles/smolVlmLlm.js';
import { smolVlmEncoderName } from '../../models/roles/smolVlmVision.js';
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

describe('SmolVlmLlm takes compressed visual tokens from its own encoder', () => {
  let llm: SmolVlmLlm;
  beforeAll(() => {
    llm = new SmolVlmLlm(vlm, smolVlmEncoderName(tinyModelDir('smolvlm')));
  });

  const frame = (ptsMs: number, seed: number): LlmVideoFrame => ({
    rgb: new Uint8Array(64 * 48 * 3).map((_, i) => (i * seed + (i >> 7)) % 256),
    width: 64,
    height: 48,
    ptsMs,
  });
  /** The encoder's tokens for `f`, keeping the rows at `keep` (all 64 by default). */
  async function tokensOf(
    f: LlmVideoFrame,
    keep?: number[],
    encoder = llm.visionEncoder,
  ): Promise<VisualTokens> {
    const all = await llm.vision.encodeFrame(f);
    const positions = Uint16Array.from(keep ?? Array.from({ length: 64 }, (_, i) => i));
    const d = llm.vision.hidden;
    const rows = new Float32Array(positions.length * d);
    for (const [k, p] of positions.entries()) rows.set(all.subarray(p * d, (p + 1) * d), k * d);
    return { encoder, rows, hidden: d, positions, tokensPerFrame: llm.vision.tokensPerFrame };
  }
  const ask = (frames: LlmVideoFrame[]): LlmMessage[] => [
    {
      role: 'user',
      content: [
        { type: 'video', frames },
        { type: 'text', text: 'What changed?' },
      ],
    },
  ];
  const imageSlots = (ids: number[]) => ids.flatMap((id, i) => (id === vlm.imageTokenId ? [i] : []));
  const keep40 = Array.from({ length: 64 }, (_, i) => i).filter((i) => i % 8 < 5);

  it('names its encoder after the model directory and shares it as `.vision` (64 rows of the LLM width)', async () => {
    expect(llm.visionEncoder).toBe(`smolvlm:${basename(tinyModelDir('smolvlm'))}`);
    expect(llm.vision.name).toBe(llm.visionEncoder);
    expect(llm.vision.tokensPerFrame).toBe(64);
    expect(llm.vision.hidden).toBe(vlm.hidden);
    const f = frame(0, 3);
    const direct = await vlm.encodeImages(await preprocessVideoFrame(f, vlm.imageConfig));
    expect(await llm.vision.encodeFrame(f)).toEqual(direct);
  });

  it('gives the same prompt and tokens with all 64 rows given as tokens as with the frames encoded', async () => {
    const frames = [frame(0, 3), frame(1000, 7)];
    const given = await Promise.all(frames.map(async (f) => ({ ...f, tokens: await tokensOf(f) })));
    const a = await llm.prepare(ask(frames));
    const b = await llm.prepare(ask(given));
    expect(b.ids).toEqual(a.ids);
    expect(b.embeds).toEqual(a.embeds);
    expect(b.positionIds).toEqual(a.ids.map((_, i) => i));
    const ta = await collect(llm.generate(ask(frames), { maxNewTokens: 8 }));
    const tb = await collect(llm.generate(ask(given), { maxNewTokens: 8 }));
    expect(ta.length).toBeGreaterThan(0);
    expect(tb).toEqual(ta);
  });

  it('puts a frame with 40 of 64 rows kept at its original positions, with gaps, and feeds those to the decoder', async () => {
    const [f0, f1] = [frame(0, 3), frame(1000, 7)];
    const partial = { ...f1, tokens: await tokensOf(f1, keep40) };
    const p = await llm.prepare(ask([f0, partial]));
    const slots = imageSlots(p.ids);
    expect(slots).toHaveLength(64 + 40);
    const start = p.positionIds[slots[64] as number] as number;
    expect(slots.slice(64).map((s) => p.positionIds[s])).toEqual(keep40.map((k) => start + k));
    // The token after the partial frame continues as if all 64 rows were there.
    const after = (slots.at(-1) as number) + 1;
    expect(p.positionIds[after]).toBe(start + 64);
    expect(p.positionIds.at(-1)).toBe(p.ids.length - 1 + 24);
    // The same rows, in their slots of the prompt.
    const d = vlm.hidden;
    expect(p.embeds.subarray((slots[64] as number) * d, ((slots[64] as number) + 1) * d)).toEqual(
      partial.tokens.rows.subarray(0, d),
    );
    const fed: (readonly number[])[] = [];
    await collect(
      vlm.generate(p.embeds, {
        maxNewTokens: 3,
        positionIds: p.positionIds,
        onStep: (_, _l, pos) => fed.push(pos),
      }),
    );
    expect(fed[0]).toEqual(p.positionIds);
    const max = Math.max(...p.positionIds);
    expect(fed.slice(1)).toEqual([[max + 1], [max + 2]].slice(0, fed.length - 1));
    expect((await collect(llm.generate(ask([f0, partial]), { maxNewTokens: 4 }))).length).toBeGreaterThan(0);
  });

  it('gives the same logits with the KV cache as with full recompute under explicit positions with gaps', async () => {
    const f = frame(0, 5);
    const p = await llm.prepare(ask([{ ...f, tokens: await tokensOf(f, keep40) }]));
    const a: Float32Array[] = [];
    const b: Float32Array[] = [];
    const fedB: (readonly number[])[] = [];
    await collect(
      vlm.generate(p.embeds, { maxNewTokens: 8, positionIds: p.positionIds, onStep: (_, l) => a.push(l) }),
    );
    await collect(
      vlm.generate(p.embeds, {
        maxNewTokens: 8,
        useKvCache: false,
        positionIds: p.positionIds,
        onStep: (_, l, pos) => {
          b.push(l);
          fedB.push(pos);
        },
      }),
    );
    expect(a.length).toBeGreaterThan(3);
    expect(b.length).toBe(a.length);
    let max = 0;
    a.forEach((row, s) => {
      for (let i = 0; i < row.length; i++)
        max = Math.max(max, Math.abs((row[i] as number) - ((b[s] as Float32Array)[i] as number)));
    });
    expect(max).toBeLessThan(2e-5);
    const top = Math.max(...p.positionIds);
    expect(fedB.at(-1)).toEqual([
      ...p.positionIds,
      ...Array.from({ length: b.length - 1 }, (_, i) => top + 1 + i),
    ]);
    // The positions matter: renumbered contiguously, the same rows give other logits.
    const contiguous: Float32Array[] = [];
    await collect(vlm.generate(p.embeds, { maxNewTokens: 1, onStep: (_, l) => contiguous.push(l) }));
    expect(contiguous[0]).not.toEqual(a[0]);
  });

  it('leaves out a frame with no kept rows (the intro counts the frames shown; the clip keeps its length)', async () => {
    const frames = [frame(0, 3), frame(1000, 7), frame(2000, 9)];
    const empty = { ...frames[1], tokens: await tokensOf(frames[1] as LlmVideoFrame, []) } as LlmVideoFrame;
    const p = await llm.prepare(ask([frames[0] as LlmVideoFrame, empty, frames[2] as LlmVideoFrame]));
    expect(p.prompt).toContain('series of two frames from a 0:00:03 [H:MM:SS] video');
    expect(p.prompt).toContain('Frame from 00:00:');
    expect(p.prompt).not.toContain('Frame from 00:01:');
    expect(p.prompt).toContain('Frame from 00:02:');
    expect(imageSlots(p.ids)).toHaveLength(128);
    const none = await llm.prepare(ask([empty]));
    expect(none.prompt).toBe('<|im_start|>User: What changed?<end_of_utterance>\nAssistant:');
  });

  it('ignores visual tokens from another encoder and encodes the frame instead', async () => {
    const f = frame(0, 3);
    const foreign = { ...f, tokens: await tokensOf(f, keep40, 'clip:other') };
    foreign.tokens.rows.fill(0);
    const a = await llm.prepare(ask([f]));
    const b = await llm.prepare(ask([foreign]));
    expect(b.ids).toEqual(a.ids);
    expect(b.embeds).toEqual(a.embeds);
  });

  it('refuses its own tokens when their sizes do not fit the model', async () => {
    const f = frame(0, 3);
    const t = await tokensOf(f, keep40);
    await expect(
      llm.prepare(ask([{ ...f, tokens: { ...t, rows: t.rows.subarray(vlm.hidden) } }])),
    ).rejects.toMatchObject({ code: 'ERR_MODEL_INPUT' });
    await expect(llm.prepare(ask([{ ...f, tokens: { ...t, tokensPerFrame: 81 } }]))).rejects.toMatchObject({
      code: 'ERR_MODEL_INPUT',
    });
  });

  it('writes an assistant tool call in the local tool format and a tool result as a user turn', async () => {
    const p = await llm.prepare([
      { role: 'user', content: [{ type: 'text', text: 'What does it say?' }] },
      {
        role: 'assistant',
        content: [{ type: 'text', text: 'Let me look.' }],
        toolCalls: [{ id: 'c1', name: 'read_text', arguments: '{ "region": "top" }' }],
      },
      { role: 'tool', toolCallId: 'c1', name: 'read_text', content: [{ type: 'text', text: '"EXIT"' }] },
    ]);
    expect(p.prompt).toBe(
      '<|im_start|>User: What does it say?<end_of_utterance>\n' +
        'Assistant: Let me look.\n<tool_call>{"name": "read_text", "arguments": {"region":"top"}}</tool_call><end_of_utterance>\n' +
        'User: Result of read_text: "EXIT"<end_of_utterance>\nAssistant:',
    );
  });
});
