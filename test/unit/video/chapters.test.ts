import { describe, expect, it } from 'vitest';
import { buildChapters, type ChapterInput } from '../../../pipelines/video/ingest/chapters.js';

const scene = (tMs: number) => ({ tMs, scene: true });
const plain = (tMs: number) => ({ tMs, scene: false });

function input(over: Partial<ChapterInput>): ChapterInput {
  return { durationMs: 60_000, frames: [], segments: [], ocr: [], ...over };
}

describe('buildChapters', () => {
  it('starts a chapter at each scene change, the first at 0 and the last ending at the end', () => {
    const frames = [plain(0), plain(5_000), scene(10_000), plain(15_000), scene(30_000), plain(45_000)];
    expect(buildChapters(input({ frames })).map((c) => [c.startMs, c.endMs])).toEqual([
      [0, 10_000],
      [10_000, 30_000],
      [30_000, 60_000],
    ]);
  });

  it('merges scene changes closer than 8 s into the chapter before, and never leaves a short last one', () => {
    const frames = [scene(3_000), scene(10_000), scene(12_000), scene(25_000), scene(55_000)];
    expect(buildChapters(input({ frames })).map((c) => c.startMs)).toEqual([0, 10_000, 25_000]);
    expect(buildChapters(input({ frames })).at(-1)?.endMs).toBe(60_000);
  });

  it('scales the shortest chapter with the video: an hour gets chapters of 3 min at least', () => {
    const frames = Array.from({ length: 60 }, (_, i) => scene(i * 60_000));
    const chapters = buildChapters(input({ durationMs: 3_600_000, frames }));
    expect(chapters.map((c) => c.startMs / 60_000)).toEqual(Array.from({ length: 20 }, (_, i) => i * 3));
    for (const c of chapters) expect(c.endMs - c.startMs).toBeGreaterThanOrEqual(180_000);
  });

  it('titles a chapter by its most confident on-screen line, else its first words, else its time', () => {
    const chapters = buildChapters(
      input({
        frames: [scene(20_000), scene(40_000)],
        ocr: [
          { tMs: 1_000, text: 'WELC0ME', confidence: 0.6 },
          { tMs: 2_000, text: 'WELCOME TO THE STATION', confidence: 0.97 },
          { tMs: 20_000, text: 'outside', confidence: 0.99 },
          { tMs: 19_999, text: 'STILL FIRST', confidence: 0.5 },
        ],
        segments: [
          { startMs: 41_000, endMs: 44_000, text: 'one two three four five six seven eight nine' },
          { startMs: 39_000, endMs: 41_000, text: 'not this chapter' },
        ],
      }),
    );
    expect(chapters.map((c) => c.title)).toEqual([
      'WELCOME TO THE STATION',
      'outside',
      'one two three four five six seven eight…',
    ]);
    expect(buildChapters(input({ frames: [scene(30_000)] })).map((c) => c.title)).toEqual([
      'Scene at 00:00',
      'Scene at 00:30',
    ]);
  });

  it('gives one chapter to a video without scene changes and none to a video without length', () => {
    expect(buildChapters(input({ durationMs: 5_000 }))).toEqual([
      { startMs: 0, endMs: 5_000, title: 'Scene at 00:00' },
    ]);
    expect(buildChapters(input({ durationMs: 0 }))).toEqual([]);
  });
});
