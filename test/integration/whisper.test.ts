import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhisperRunner } from '../../models/stt/whisper.js';
import { type WhisperTinyOptions, writeWhisperTiny } from '../../models/tiny/whisperTiny.js';
import { LIBRIVOX_WAV, read16k, whiteNoise } from '../helpers/audio.js';
import { oracleTokens, whisperAsrOracle } from '../helpers/oracles.js';
import { tinyModelDir } from '../helpers/tinyModels.js';

let whisper: WhisperRunner;
let speech: Float32Array;
beforeAll(async () => {
  whisper = await WhisperRunner.load(tinyModelDir('whisper'));
  speech = read16k(LIBRIVOX_WAV);
});
afterAll(() => whisper.dispose());

function maxAbsDiff(a: Float32Array[][], b: Float32Array[][]): number {
  let d = 0;
  a.forEach((step, s) => {
    step.forEach((row, i) => {
      const other = b[s]?.[i] as Float32Array;
      for (let k = 0; k < row.length; k++) {
        const x = row[k] as number;
        const y = other[k] as number;
        if (Number.isFinite(x) || Number.isFinite(y)) d = Math.max(d, Math.abs(x - y));
      }
    });
  });
  return d;
}

describe('Whisper runner on a tiny-random model with the optimum export contract', () => {
  it('reads its special tokens from the tokenizer, not constants', () => {
    const t = whisper.tokenizer;
    expect(whisper.prompt({ language: 'de', task: 'translate' })).toEqual([
      t.token_to_id('<|startoftranscript|>'),
      t.token_to_id('<|de|>'),
      t.token_to_id('<|translate|>'),
    ]);
    expect(whisper.ids.timestampBegin).toBe(t.token_to_id('<|0.00|>'));
    expect(() => whisper.prompt({ language: 'xx' })).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_INPUT' }),
    );
  });

  // Pins optimum's merged-decoder rule: from the second cached step on, present.*.encoder.* are empty
  // placeholders, so a runner that feeds every present.* back fails here (measured diff 9.5e-6).
  it('gives the same logits with the KV cache as with full recompute (max abs diff < 1e-4)', async () => {
    const withCache: Float32Array[][] = [];
    const recompute: Float32Array[][] = [];
    const a = await whisper.transcribe(speech, {
      maxNewTokens: 24,
      onStep: (_, l) => withCache.push(l.map((x) => x.slice())),
    });
    const b = await whisper.transcribe(speech, {
      maxNewTokens: 24,
      useKvCache: false,
      onStep: (_, l) => recompute.push(l.map((x) => x.slice())),
    });
    expect(withCache.length).toBeGreaterThan(3);
    expect(withCache.length).toBe(recompute.length);
    expect(maxAbsDiff(withCache, recompute)).toBeLessThan(1e-4);
    expect(a.tokens).toEqual(b.tokens);
  });

  it('gives a batch of N the same tokens and logits as N single runs', async () => {
    const clips = [speech.subarray(0, 16000 * 3), whiteNoise(2000, 0.1, 3), speech.subarray(16000 * 2)];
    const batchLogits: Float32Array[][] = [];
    const batch = await whisper.transcribeBatch(clips, {
      maxNewTokens: 12,
      onStep: (_, l) => batchLogits.push(l),
    });
    for (const [i, clip] of clips.entries()) {
      const single: Float32Array[][] = [];
      const one = await whisper.transcribe(clip, { maxNewTokens: 12, onStep: (_, l) => single.push(l) });
      expect(batch[i]?.tokens.slice(0, one.tokens.length)).toEqual(one.tokens);
      const mine = single
        .map((_, s) => [batchLogits[s]?.[i] as Float32Array])
        .filter((s) => s[0] !== undefined);
      // Measured: exactly 0.
      expect(maxAbsDiff(single.slice(0, mine.length), mine)).toBeLessThan(1e-6);
    }
  });

  it('follows the timestamp rules and returns segments on the absolute timeline', async () => {
    const t = await whisper.transcribe(speech, { maxNewTokens: 40, offsetMs: 60_000 });
    const tb = whisper.ids.timestampBegin;
    expect(t.tokens[0]).toBeGreaterThanOrEqual(tb);
    expect((t.tokens[0] as number) - tb).toBeLessThanOrEqual(50);
    const stamps = t.tokens.filter((x) => x >= tb);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThanOrEqual(stamps[i - 1] as number);
    expect(t.tokens.some((x) => x > whisper.ids.eot && x < tb)).toBe(false);
    expect(t.segments.length).toBeGreaterThan(0);
    expect(t.segments[0]?.startMs).toBe(60_000 + ((t.tokens[0] as number) - tb) * 20);
    for (const s of t.segments) {
      expect(s.startMs).toBeGreaterThanOrEqual(60_000);
      expect(s.endMs).toBeGreaterThanOrEqual(s.startMs);
      expect(s.endMs).toBeLessThanOrEqual(60_000 + 30_000);
    }
  });

  it('without timestamps: prompts <|notimestamps|>, never generates specials, and keeps timestamps out of the text', async () => {
    expect(whisper.prompt({ timestamps: false }).at(-1)).toBe(whisper.ids.noTimestamps);
    const t = await whisper.transcribe(speech, { maxNewTokens: 10, timestamps: false });
    expect(t.tokens.some((x) => x > whisper.ids.eot && x < whisper.ids.timestampBegin)).toBe(false);
    expect(t.segments).toEqual([]);
    const textTokens = t.tokens.filter((x) => x < whisper.ids.eot);
    expect(t.text).toBe(textTokens.length > 0 ? whisper.tokenizer.decode(textTokens).trim() : '');
  });

  it('applies begin_suppress_tokens at the first step only: EOT forced at step 2 ends the decode', async () => {
    const forceEot = (at: number) => (step: number, logits: Float32Array[]) => {
      if (step === at) for (const l of logits) l[whisper.ids.eot] = 1e4;
    };
    const early = await whisper.transcribe(speech, { maxNewTokens: 20, onStep: forceEot(2) });
    expect(early.tokens).toHaveLength(3);
    expect(early.tokens[2]).toBe(whisper.ids.eot);
    // At the first step EOT is in begin_suppress_tokens: forcing it there changes nothing.
    const first = await whisper.transcribe(speech, { maxNewTokens: 20, onStep: forceEot(0) });
    const plain = await whisper.transcribe(speech, { maxNewTokens: 20 });
    expect(first.tokens).toEqual(plain.tokens);
    expect(plain.tokens).toHaveLength(20);
  });

  it('stops within one token step of an abort', async () => {
    const ac = new AbortController();
    let steps = 0;
    const run = whisper.transcribe(speech, {
      maxNewTokens: 100,
      signal: ac.signal,
      onStep: (s) => {
        steps = s + 1;
        if (s === 2) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(steps).toBe(3);
  });

  it('transcribes long audio in ≤30 s chunks cut at pauses, on one timeline', async () => {
    // 70 s: speech-like noise with a 1 s pause at 27–28 s and at 53–54 s.
    const audio = whiteNoise(70_000, 0.2, 9);
    audio.fill(0, 27 * 16000, 28 * 16000);
    audio.fill(0, 53 * 16000, 54 * 16000);
    const chunksSeen: number[] = [];
    const t = await whisper.transcribeLong(audio, { maxNewTokens: 6, onChunk: (i) => chunksSeen.push(i) });
    expect(t.chunks.length).toBe(3);
    expect(chunksSeen).toEqual([0, 1, 2]);
    const cuts = t.chunks.slice(1).map((c) => c.startSample / 16000);
    expect(cuts[0]).toBeGreaterThanOrEqual(27);
    expect(cuts[0]).toBeLessThanOrEqual(28);
    expect(cuts[1]).toBeGreaterThanOrEqual(53);
    expect(cuts[1]).toBeLessThanOrEqual(54);
    for (const c of t.chunks) expect(c.endSample - c.startSample).toBeLessThanOrEqual(30 * 16000);
  });
});

describe('Whisper runner vs transformers.js on the same tiny ONNX files', () => {
  it('generates the same tokens greedily', async () => {
    const asr = await whisperAsrOracle(tinyModelDir('whisper'));
    for (const clip of [speech, speech.subarray(16000 * 2), whiteNoise(2500, 0.3, 4)]) {
      const theirs = await oracleTokens(asr, clip, 16);
      const ours = await whisper.transcribe(clip, { maxNewTokens: 16, timestamps: false });
      expect(theirs.length).toBeGreaterThan(0);
      expect(ours.tokens.slice(0, theirs.length)).toEqual(theirs);
    }
    await asr.dispose();
  });
});

/** transformers.js's greedy tokens for an English-only model (no language or task), prompt dropped. */
async function oracleTokensEnglishOnly(
  dir: string,
  audio: Float32Array,
  maxNewTokens: number,
  promptLength: number,
) {
  const asr = await whisperAsrOracle(dir);
  const features = (await asr.processor(audio)).input_features;
  const ids = await asr.model.generate({
    inputs: features,
    return_timestamps: false,
    max_new_tokens: maxNewTokens,
  } as Record<string, unknown>);
  await asr.dispose();
  return Array.from((ids as unknown as { data: ArrayLike<bigint> }).data, Number).slice(promptLength);
}

describe('English-only Whisper (*.en: is_multilingual false)', () => {
  let en: WhisperRunner;
  beforeAll(async () => {
    en = await WhisperRunner.load(tinyModelDir('whisper-en'));
  });
  afterAll(() => en.dispose());

  it('prompts <|startoftranscript|> (+ <|notimestamps|>) with no language or task token, ids from its own tokenizer', () => {
    const t = en.tokenizer;
    expect(en.multilingual).toBe(false);
    // The tokenizer still lists <|en|> and <|transcribe|>, as the real .en vocabularies do.
    expect(t.token_to_id('<|en|>')).toBeDefined();
    expect(en.prompt()).toEqual([t.token_to_id('<|startoftranscript|>')]);
    expect(en.prompt({ timestamps: false, language: 'en', task: 'transcribe' })).toEqual([
      t.token_to_id('<|startoftranscript|>'),
      t.token_to_id('<|notimestamps|>'),
    ]);
    // One id lower than the multilingual vocabulary, as 50257 vs 50258 in the real ones.
    expect(en.ids.sot).toBe(whisper.ids.sot - 1);
    expect(en.ids.noTimestamps).toBe(whisper.ids.noTimestamps - 1);
    expect(() => en.prompt({ language: 'de' })).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_INPUT' }) as Error,
    );
    expect(() => en.prompt({ task: 'translate' })).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_INPUT' }) as Error,
    );
  });

  it('generates the same tokens as transformers.js on the same .en files', async () => {
    const prompt = en.prompt({ timestamps: false });
    const theirs = await oracleTokensEnglishOnly(tinyModelDir('whisper-en'), speech, 12, prompt.length);
    const ours = await en.transcribe(speech, { maxNewTokens: 12, timestamps: false });
    expect(theirs.length).toBeGreaterThan(0);
    expect(ours.tokens.slice(0, theirs.length)).toEqual(theirs);
  });
});

describe('Whisper exports that differ from the default one', () => {
  it('derives <|0.00|> as <|notimestamps|> + 1 when tokenizer.json does not list timestamps', async () => {
    const w = await WhisperRunner.load(tinyModelDir('whisper-no-timestamp-tokens'));
    expect(w.tokenizer.token_to_id('<|0.00|>')).toBeUndefined();
    expect(w.ids.timestampBegin).toBe(w.ids.noTimestamps + 1);
    // Same weights and ids as the default tiny model: the same timed transcript.
    const t = await w.transcribe(speech, { maxNewTokens: 30 });
    const reference = await whisper.transcribe(speech, { maxNewTokens: 30 });
    expect(t.tokens).toEqual(reference.tokens);
    expect(t.segments).toEqual(reference.segments);
    expect(t.segments.length).toBeGreaterThan(0);
    await w.dispose();
  });

  it('runs a float16 export (features, hidden states, cache and logits in float16) close to float32', async () => {
    const w = await WhisperRunner.load(tinyModelDir('whisper-fp16'));
    const half: Float32Array[][] = [];
    const full: Float32Array[][] = [];
    const recompute: Float32Array[][] = [];
    const a = await w.transcribe(speech, {
      maxNewTokens: 16,
      onStep: (_, l) => half.push(l.map((x) => x.slice())),
    });
    const b = await whisper.transcribe(speech, {
      maxNewTokens: 16,
      onStep: (_, l) => full.push(l.map((x) => x.slice())),
    });
    await w.transcribe(speech, {
      maxNewTokens: 16,
      useKvCache: false,
      onStep: (_, l) => recompute.push(l.map((x) => x.slice())),
    });
    // Measured: 0.008 against float32 (logits up to 31, where float16 steps by 0.016); 0.016 against recompute.
    expect(maxAbsDiff(half, full)).toBeLessThan(0.05);
    expect(maxAbsDiff(half, recompute)).toBeLessThan(0.05);
    expect(a.tokens).toEqual(b.tokens);
    await w.dispose();
  });

  it('refuses at load, with ERR_MODEL_LOAD naming the tensor, an export whose floats are neither float32 nor float16', async () => {
    await expect(WhisperRunner.load(tinyModelDir('whisper-fp64'))).rejects.toMatchObject({
      code: 'ERR_MODEL_LOAD',
      message: expect.stringMatching(/(input|output) \S+ is float64/) as string,
    });
  });

  describe('with one float tensor of another type', () => {
    const root = mkdtempSync(join(tmpdir(), 'whisper-variants-'));
    const variant = (floatTypes: WhisperTinyOptions['floatTypes']): string => {
      const dir = join(
        root,
        Object.entries(floatTypes ?? {})
          .flat()
          .join('-'),
      );
      writeWhisperTiny(dir, { floatTypes });
      return dir;
    };
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    // One case per float tensor the runner feeds or reads: each fails if its own load-time check goes.
    it.each([
      ['input_features', { features: 'float64' }],
      ['last_hidden_state', { hidden: 'float64' }],
      ['encoder_hidden_states', { decoderHidden: 'float64' }],
      ['past_key_values.0.decoder.key', { cache: 'float64' }],
      ['logits', { logits: 'float64' }],
    ] as const)(
      'refuses at load, with ERR_MODEL_LOAD naming it, an export whose %s is float64',
      async (tensor, floatTypes) => {
        await expect(WhisperRunner.load(variant(floatTypes))).rejects.toMatchObject({
          code: 'ERR_MODEL_LOAD',
          message: expect.stringContaining(`${tensor} is float64`) as string,
        });
      },
    );

    it('refuses at load an encoder whose output type is not the type the decoder takes (passed unconverted)', async () => {
      await expect(WhisperRunner.load(variant({ hidden: 'float16' }))).rejects.toMatchObject({
        code: 'ERR_MODEL_LOAD',
        message: expect.stringContaining('encoder outputs float16 but the decoder takes float32') as string,
      });
    });
  });
});
