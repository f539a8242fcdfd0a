import { describe, expect, it } from 'vitest';
import type { PcmChunk } from '../../../../core/media.js';
import { AudioRing } from '../../../../pipelines/listen/audioRing.js';

/** A 16 kHz chunk whose sample i holds its own index on the timeline (from `ptsMs`), mod 32768. */
function ramp(ptsMs: number, ms: number, rate = 16000): PcmChunk {
  const first = (ptsMs * rate) / 1000;
  return {
    samples: Int16Array.from({ length: (ms * rate) / 1000 }, (_, i) => (first + i) % 32768),
    sampleRateHz: rate,
    ptsMs,
  };
}

describe('AudioRing', () => {
  it('answers any stretch it holds with the samples of that time', () => {
    const ring = new AudioRing({ capacityMs: 1000 });
    for (let t = 100; t < 700; t += 20) ring.push(ramp(t, 20));
    expect([ring.startMs, ring.endMs]).toEqual([100, 700]);
    const s = ring.slice(250, 300);
    expect(s.ptsMs).toBe(250);
    expect(s.samples.length).toBe(800);
    expect(s.samples[0]).toBe(250 * 16);
    expect(s.samples[799]).toBe(300 * 16 - 1);
  });

  it('keeps only the newest capacityMs, across the wrap, and clamps slices to it', () => {
    const ring = new AudioRing({ capacityMs: 500 });
    for (let t = 0; t < 1230; t += 30) ring.push(ramp(t, 30));
    expect([ring.startMs, ring.endMs]).toEqual([1230 - 500, 1230]);
    const s = ring.slice(0, 5000);
    expect(s.ptsMs).toBe(730);
    expect(s.samples.length).toBe(500 * 16);
    for (let i = 0; i < s.samples.length; i++) expect(s.samples[i]).toBe((730 * 16 + i) % 32768);
    expect(ring.slice(2000, 3000).samples.length).toBe(0);
  });

  it('a chunk longer than the ring keeps its newest part', () => {
    const ring = new AudioRing({ capacityMs: 100 });
    ring.push(ramp(0, 20));
    ring.push(ramp(20, 400));
    const s = ring.slice(0, 1000);
    expect(s.ptsMs).toBe(320);
    expect(s.samples[0]).toBe(320 * 16);
  });

  it('fills a short gap with silence and restarts on a long jump or a step back', () => {
    const ring = new AudioRing({ capacityMs: 2000, maxFillMs: 100 });
    ring.push(ramp(0, 100));
    ring.push(ramp(160, 40));
    const s = ring.slice(90, 170);
    expect(s.samples[10 * 16]).toBe(0);
    expect(s.samples[70 * 16]).toBe(160 * 16);
    expect(ring.startMs).toBe(0);
    ring.push(ramp(5000, 20));
    expect([ring.startMs, ring.endMs]).toEqual([5000, 5020]);
    ring.push(ramp(4000, 20));
    expect([ring.startMs, ring.endMs]).toEqual([4000, 4020]);
  });

  it('refuses another rate', () => {
    expect(() => new AudioRing().push(ramp(0, 20, 48000))).toThrow(/16000 Hz/);
  });
});
