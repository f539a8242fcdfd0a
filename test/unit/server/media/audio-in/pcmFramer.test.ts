import { describe, expect, it } from 'vitest';
import { PcmFramer } from '../../../../../server/media/audio-in/pcmFramer.js';

const opts = { sampleRateHz: 16000, rtpClockHz: 48000, frameMs: 20, maxFillMs: 5000 };
const pcm = (n: number, v: number) => new Int16Array(n).fill(v);

describe('PcmFramer', () => {
  it('emits 20 ms frames stamped from the first packet', () => {
    const f = new PcmFramer(opts);
    const out = [...f.push(1000, pcm(320, 1), 500, 0), ...f.push(1960, pcm(320, 2), 999, 0)];
    expect(out.map((x) => x.ptsMs)).toEqual([500, 520]);
    expect(out[1]?.samples[0]).toBe(2);
  });

  it('fills a gap in RTP time with silence so later frames keep their true time', () => {
    const f = new PcmFramer(opts);
    f.push(0, pcm(320, 1), 0, 0);
    const out = f.push(960 * 4, pcm(320, 5), 0, 0); // three 20 ms packets missing
    expect(out.map((x) => x.ptsMs)).toEqual([20, 40, 60, 80]);
    expect(out.slice(0, 3).every((x) => x.filledSamples === 320 && x.samples.every((s) => s === 0))).toBe(
      true,
    );
    expect(out[3]?.samples[0]).toBe(5);
    expect(f.stats.filledMs).toBe(60);
  });

  it('trims overlapping audio instead of shifting the timeline', () => {
    const f = new PcmFramer(opts);
    f.push(0, pcm(320, 1), 0, 0);
    const out = f.push(480, pcm(320, 2), 0, 0); // starts 10 ms into the previous packet
    expect(out).toHaveLength(0);
    expect(f.stats.trimmedSamples).toBe(160);
    const next = f.push(1920, pcm(320, 3), 0, 0); // 10 ms after the trimmed packet ended
    expect(next.map((x) => [x.ptsMs, x.filledSamples])).toEqual([
      [20, 160],
      [40, 0],
    ]);
  });

  it('re-anchors after a gap longer than maxFillMs instead of filling minutes of silence', () => {
    const f = new PcmFramer(opts);
    f.push(0, pcm(320, 1), 0, 0);
    const out = f.push(48000 * 60, pcm(320, 1), 60_500, 0);
    expect(out.map((x) => x.ptsMs)).toEqual([60_500]);
    expect(f.stats.reanchors).toBe(1);
  });

  it('marks the first frame of the new timeline, and only it, as reanchored', () => {
    const f = new PcmFramer(opts);
    const before = [...f.push(0, pcm(320, 1), 0, 0), ...f.push(960, pcm(160, 1), 20, 0)];
    // 10 ms packets after a minute's gap: the old partial frame is flushed, the new frame fills over two pushes.
    const gap = [
      ...f.push(48000 * 60, pcm(160, 2), 60_500, 0),
      ...f.push(48000 * 60 + 480, pcm(160, 2), 60_510, 0),
    ];
    const after = f.push(48000 * 60 + 960, pcm(320, 3), 60_520, 0);
    expect(before.map((x) => x.reanchored)).toEqual([false]);
    expect(gap.map((x) => [x.ptsMs, x.reanchored])).toEqual([
      [20, false],
      [60_500, true],
    ]);
    expect(after.map((x) => [x.ptsMs, x.reanchored])).toEqual([[60_520, false]]);
  });

  it('marks a sender restart (RTP time jumping back) as reanchored, but not a filled gap', () => {
    const f = new PcmFramer(opts);
    f.push(48000 * 10, pcm(320, 1), 0, 0);
    const filled = f.push(48000 * 10 + 960 * 3, pcm(320, 1), 60, 0);
    expect(filled.every((x) => !x.reanchored)).toBe(true);
    const restart = f.push(0, pcm(320, 1), 100, 0);
    expect(restart.map((x) => [x.ptsMs, x.reanchored])).toEqual([[100, true]]);
  });

  it('handles 60 ms packets and pads the last partial frame on flush', () => {
    const f = new PcmFramer(opts);
    expect(f.push(0, pcm(960, 1), 0, 0)).toHaveLength(3);
    expect(f.push(2880, pcm(100, 1), 0, 0)).toHaveLength(0);
    const tail = f.flush();
    expect(tail).toHaveLength(1);
    expect(tail[0]?.filledSamples).toBe(220);
  });
});
