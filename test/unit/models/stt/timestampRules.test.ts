import { describe, expect, it } from 'vitest';
import { tokensToSegments } from '../../../../models/stt/segments.js';
import { applyTimestampRules, argmax } from '../../../../models/stt/timestampRules.js';
import type { WhisperTokenIds } from '../../../../models/stt/whisperTokens.js';

// A toy vocabulary: text 0–9, eot 10, specials 11–14, timestamps from 15 (<|0.00|>) to 65 (<|1.00|>).
const ids: WhisperTokenIds = {
  sot: 11,
  eot: 10,
  transcribe: 12,
  translate: 13,
  noTimestamps: 14,
  timestampBegin: 15,
  languages: new Map(),
};
const V = 66;
const flat = (v = 0) => new Float32Array(V).fill(v);
const allowed = (l: Float32Array) => [...l.keys()].filter((i) => l[i] !== Number.NEGATIVE_INFINITY);

describe('applyTimestampRules', () => {
  it('opens with a timestamp no later than the initial limit', () => {
    const l = flat();
    applyTimestampRules(l, [], ids, 5);
    expect(allowed(l)).toEqual([15, 16, 17, 18, 19, 20]);
  });

  it('text after an opening timestamp; after text, a later timestamp or EOT; after a closing pair, text', () => {
    const afterOpen = flat();
    applyTimestampRules(afterOpen, [20], ids);
    expect(allowed(afterOpen)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const afterText = flat();
    applyTimestampRules(afterText, [20, 3], ids);
    expect(allowed(afterText).filter((i) => i >= 15)[0]).toBe(21); // timestamps never go back
    const afterClose = flat();
    applyTimestampRules(afterClose, [20, 3, 25], ids);
    // After a closing timestamp, the same timestamp again (opening the next segment) or a later one.
    expect(allowed(afterClose).filter((i) => i >= 15)).toEqual(
      Array.from({ length: 66 - 25 }, (_, i) => 25 + i),
    );
    expect(allowed(afterClose).every((i) => i === 10 || i >= 25)).toBe(true);
    const afterPair = flat();
    applyTimestampRules(afterPair, [20, 3, 25, 25], ids);
    expect(allowed(afterPair).every((i) => i < 15)).toBe(true);
  });

  it('never generates specials other than EOT', () => {
    const l = flat();
    applyTimestampRules(l, [20, 1], ids);
    for (const s of [11, 12, 13, 14]) expect(l[s]).toBe(Number.NEGATIVE_INFINITY);
  });

  it('forces a timestamp when their total probability beats every text token', () => {
    const l = flat(-5);
    l[2] = 1; // the best text token
    for (let i = 30; i < 66; i++) l[i] = 0; // 36 timestamps at e^0 outweigh e^1
    applyTimestampRules(l, [20, 1], ids);
    expect(argmax(l)).toBeGreaterThanOrEqual(15);
  });
});

// The rules as transformers' and transformers.js' WhisperTimeStampLogitsProcessor state them.
describe('applyTimestampRules, rule by rule', () => {
  const NEG = Number.NEGATIVE_INFINITY;
  const textAndEot = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const timestampsFrom = (first: number) => Array.from({ length: V - first }, (_, i) => first + i);
  // Text and EOT at 10, every other token at 0: the timestamps (log-sum ≤ ln 51 ≈ 3.9) never force one.
  const textFavoured = () => flat().fill(10, 0, 11);

  it('after the opening <|0.00|>, text follows (it is a timestamp like any other)', () => {
    const l = flat();
    applyTimestampRules(l, [15], ids);
    expect(allowed(l)).toEqual(textAndEot);
  });

  it('<|0.00|> is never emitted again once the segment has text', () => {
    const l = textFavoured();
    applyTimestampRules(l, [15, 3], ids);
    expect(allowed(l)).toEqual([...textAndEot, ...timestampsFrom(16)]);
  });

  it('a segment cannot close on the timestamp that opened it, however much text came between', () => {
    const l = textFavoured();
    applyTimestampRules(l, [20, 3, 4], ids);
    expect(allowed(l)).toEqual([...textAndEot, ...timestampsFrom(21)]);
  });

  it('text then a timestamp is a closing one: the next token is EOT or the next opening timestamp', () => {
    // Pairs are read off the sequence itself: here the last two tokens are text, timestamp.
    const l = textFavoured();
    applyTimestampRules(l, [1, 20], ids);
    expect(allowed(l)).toEqual([10, ...timestampsFrom(20)]);
  });

  it('two timestamps in a row are a pair, <|0.00|> included: text must follow', () => {
    const l = flat();
    applyTimestampRules(l, [1, 15, 25], ids);
    expect(allowed(l)).toEqual(textAndEot);
  });

  it('does not force a timestamp that is less likely than the best text token', () => {
    const l = flat(-20);
    l[3] = 10;
    l[30] = 9; // log-sum of the timestamps ≈ 9 < 10
    applyTimestampRules(l, [20, 1], ids);
    expect(l[3]).toBe(10);
    expect(argmax(l)).toBe(3);
  });

  it('forces a timestamp when the timestamps together outweigh the best text token, whatever the logit scale', () => {
    const l = flat(-20);
    l[3] = 10;
    for (let i = 30; i < 66; i++) l[i] = 9.5; // 36 · e^-0.5 ≈ 21.8 > 1: log-sum ≈ 13.1 > 10
    applyTimestampRules(l, [20, 1], ids);
    expect(allowed(l).filter((i) => i < 15)).toEqual([]);
    expect(argmax(l)).toBe(30);
  });

  it('a tie between the timestamps and the best text token does not force (strictly greater, as the reference)', () => {
    const l = flat(NEG);
    l[3] = 4;
    l[30] = 4;
    applyTimestampRules(l, [20, 1], ids);
    expect(l[3]).toBe(4);
  });

  it('weighs timestamps stably when logits span a wide range', () => {
    const l = flat(-1000); // far-off timestamps the model rules out, as real logits do
    l[3] = 5;
    l[30] = 0;
    applyTimestampRules(l, [20, 1], ids);
    expect(l[3]).toBe(5);
  });

  it('<|0.00|> counts towards the timestamps that may force one', () => {
    const l = flat(-100);
    l[3] = 1;
    l[15] = 2;
    applyTimestampRules(l, [3], ids); // no timestamp yet: <|0.00|> is allowed
    expect(l[3]).toBe(NEG);
    expect(argmax(l)).toBe(15);
  });
});

describe('argmax', () => {
  it('returns the first index of the largest value (as torch and numpy do on ties)', () => {
    expect(argmax(Float32Array.from([1, 3, 3, 2]))).toBe(1);
    expect(argmax(Float32Array.from([7, 3, -1]))).toBe(0);
    expect(argmax(Float32Array.from([-2, -3, -1]))).toBe(2);
  });
});

describe('tokensToSegments', () => {
  const decode = (t: number[]) => t.map((x) => String.fromCharCode(97 + x)).join('');
  it('splits at timestamp pairs, makes times absolute and closes trailing text at the chunk end', () => {
    const segs = tokensToSegments([15, 1, 2, 40, 40, 3, 65, 4, 10], ids, decode, 30_000, 31_500);
    expect(segs).toEqual([
      { startMs: 30_000, endMs: 30_500, text: 'bc', tokens: [1, 2] },
      { startMs: 30_500, endMs: 31_000, text: 'd', tokens: [3] },
      { startMs: 31_000, endMs: 31_500, text: 'e', tokens: [4] },
    ]);
  });
});
