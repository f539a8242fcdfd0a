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
