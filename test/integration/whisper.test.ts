import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhisperRunner } from '../../models/stt/whisper.js';
import { LIBRIVOX_WAV, read16k, whiteNoise } from '../helpers/audio.js';
import { oracleTokens, whisperAsrOracle } from '../helpers/oracles.js';
import { tinyModelDir } from '../tiny/index.js';

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
      expect(maxAbsDiff(single.slice(0, mine.length), mine)).toBeLessThan(1e-4);
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
