import { describe, expect, it } from 'vitest';
import { planChunks } from '../../../../models/stt/chunking.js';

describe('planChunks', () => {
  const rate = 16000;
  it('keeps audio within the window as one chunk', () => {
    expect(
      planChunks(new Float32Array(rate * 12), { sampleRateHz: rate, maxChunkMs: 30_000, searchMs: 5000 }),
    ).toEqual([{ startSample: 0, endSample: rate * 12 }]);
  });

  it('cuts at the VAD window least like speech near the end of each window', () => {
    const samples = new Float32Array(rate * 50).fill(0.1);
    const probs = new Array(Math.ceil((50 * 1000) / 32)).fill(0.9);
    probs[Math.floor(26_000 / 32)] = 0.05; // a pause at 26 s
    const chunks = planChunks(samples, {
      sampleRateHz: rate,
      maxChunkMs: 30_000,
      searchMs: 5000,
      speechProbabilities: probs,
    });
    expect(chunks).toHaveLength(2);
    expect(Math.abs(chunks[0]!.endSample / rate - 26.0)).toBeLessThan(0.05);
    expect(chunks[1]).toEqual({ startSample: chunks[0]!.endSample, endSample: samples.length });
  });

  it('never exceeds the window even with no pause at all', () => {
    const chunks = planChunks(new Float32Array(rate * 95).fill(0.3), {
      sampleRateHz: rate,
      maxChunkMs: 30_000,
      searchMs: 5000,
    });
    for (const c of chunks) expect(c.endSample - c.startSample).toBeLessThanOrEqual(rate * 30);
    expect(chunks.at(-1)?.endSample).toBe(rate * 95);
  });
});
