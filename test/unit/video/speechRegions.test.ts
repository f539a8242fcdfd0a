import { describe, expect, it } from 'vitest';
import { SpeechRegions } from '../../../pipelines/video/ingest/speechRegions.js';

/** Verdicts of 32 ms windows from a script of [probability, ms] runs. */
function verdicts(script: [number, number][]) {
  const out: { ptsMs: number; durationMs: number; probability: number }[] = [];
  let t = 0;
  for (const [p, ms] of script) {
    for (let end = t + ms; t + 32 <= end; t += 32) out.push({ ptsMs: t, durationMs: 32, probability: p });
  }
  return out;
}

function run(script: [number, number][], options = {}) {
  const r = new SpeechRegions(options);
  const regions = verdicts(script).flatMap((v) => r.push(v));
  return [...regions, ...r.end()];
}

describe('SpeechRegions', () => {
  it('finds speech between silences, with the VAD window times', () => {
    expect(
      run([
        [0, 1024],
        [0.9, 1600],
        [0, 1600],
      ]),
    ).toEqual([{ startMs: 1024, endMs: 2624 }]);
  });

  it('merges a pause shorter than mergeGapMs and splits at a longer one', () => {
    const script: [number, number][] = [
      [0.9, 992],
      [0.1, 320],
      [0.9, 992],
      [0.1, 992],
      [0.9, 512],
      [0, 960],
    ];
    expect(run(script, { mergeGapMs: 700 })).toEqual([
      { startMs: 0, endMs: 2304 },
      { startMs: 3296, endMs: 3808 },
    ]);
  });

  it('holds speech through a dip above the deactivation threshold (hysteresis)', () => {
    expect(
      run(
        [
          [0.9, 512],
          [0.4, 1600],
          [0.9, 512],
          [0, 1600],
        ],
        { mergeGapMs: 300 },
      ),
    ).toEqual([{ startMs: 0, endMs: 2624 }]);
    expect(
      run([
        [0.4, 1600],
        [0, 960],
      ]),
    ).toEqual([]);
  });

  it('drops blips shorter than minSpeechMs and cuts speech longer than maxRegionMs', () => {
    expect(
      run([
        [0, 512],
        [0.9, 128],
        [0, 1600],
      ]),
    ).toEqual([]);
    const long = run(
      [
        [0.9, 4000],
        [0, 1000],
      ],
      { maxRegionMs: 1600, mergeGapMs: 500 },
    );
    expect(long.map((r) => r.startMs)).toEqual([0, 1600, 3200]);
    expect(long.every((r) => r.endMs - r.startMs <= 1600)).toBe(true);
    expect(long.at(-1)?.endMs).toBe(4000);
  });
});
