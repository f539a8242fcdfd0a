import { describe, expect, it } from 'vitest';
import { judgeFrames, parseSceneMetadata } from '../../../pipelines/video/ingest/frames.js';

const OPTIONS = { sceneThreshold: 0.06, minSceneGapMs: 1000 };

describe('frame selection', () => {
  it("parses ffmpeg's metadata print (pts in ms after settb=1/1000)", () => {
    const text = [
      'frame:0    pts:0       pts_time:0',
      'lavfi.scene_score=0.000000',
      'frame:1    pts:10000   pts_time:10',
      'lavfi.scene_score=0.179380',
      'frame:2    pts:10300   pts_time:10.3',
      'lavfi.scene_score=nan',
      '',
    ].join('\n');
    expect(parseSceneMetadata(text)).toEqual([
      { tMs: 0, sceneScore: 0 },
      { tMs: 10_000, sceneScore: 0.17938 },
      { tMs: 10_300, sceneScore: 0 },
    ]);
  });

  it('makes one record of a frame that is both the second’s sample and a scene change', () => {
    const { frames } = judgeFrames(
      [
        { tMs: 0, sceneScore: 0 },
        { tMs: 1_000, sceneScore: 0.2 },
        { tMs: 2_000, sceneScore: 0 },
      ],
      OPTIONS,
    );
    expect(frames).toEqual([
      { tMs: 0, scene: false, sceneScore: 0, kept: false, changedShare: null },
      { tMs: 1_000, scene: true, sceneScore: 0.2, kept: false, changedShare: null },
      { tMs: 2_000, scene: false, sceneScore: 0, kept: false, changedShare: null },
    ]);
  });

  it('adds scene changes between samples, at their own times, but not within minSceneGapMs of the last', () => {
    const { frames, dropped } = judgeFrames(
      [
        { tMs: 0, sceneScore: 0 },
        { tMs: 1_000, sceneScore: 0 },
        { tMs: 1_400, sceneScore: 0.3 },
        { tMs: 1_900, sceneScore: 0.5 },
        { tMs: 2_000, sceneScore: 0.01 },
        { tMs: 2_500, sceneScore: 0.4 },
        { tMs: 2_600, sceneScore: 0.05 },
      ],
      OPTIONS,
    );
    expect(frames.map((f) => [f.tMs, f.scene])).toEqual([
      [0, false],
      [1_000, false],
      [1_400, true],
      [2_000, false],
      [2_500, true],
    ]);
    expect(dropped).toEqual([1_900, 2_600]);
  });
});
