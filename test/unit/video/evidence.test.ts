import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVIDENCE_DEFAULTS, gatherEvidence, SPREAD_PROBE_MS } from '../../../pipelines/video/ask/evidence.js';
import type { ImageFeatures } from '../../../pipelines/video/ask/imageRank.js';
import { parseQuestion } from '../../../pipelines/video/ask/timeQuery.js';
import type {
  FrameRecord,
  TextImageModel,
  TimeRange,
  VideoIndexReader,
} from '../../../pipelines/video/types.js';
import { openVideoDb, type VideoDb } from '../../../server/video/db/open.js';
import { SqliteVideoIndex } from '../../../server/video/db/reader.js';
import { fillStationIndex } from '../../helpers/videoIndex.js';
import { STATION_DURATION_MS, STATION_SCENES } from '../../helpers/videos.js';

let db: VideoDb;
let reader: SqliteVideoIndex;
const D = STATION_DURATION_MS;

beforeAll(async () => {
  db = openVideoDb(':memory:');
  await fillStationIndex(db);
  reader = new SqliteVideoIndex(db);
});
afterAll(() => db.close());

const ask = (question: string, options: Partial<Parameters<typeof gatherEvidence>[3]> = {}) =>
  gatherEvidence(reader, 'station', parseQuestion(question, {}, D), { durationMs: D, ...options });

const textLength = (e: Awaited<ReturnType<typeof ask>>) =>
  [...e.transcript.map((s) => s.text), ...e.ocr.map((o) => o.text)].reduce((n, t) => n + t.length + 26, 0);

describe('gatherEvidence', () => {
  it('"what happened at 30 seconds": dense frames in 25–35 s, the sparse spread, the 30 s text', async () => {
    const e = await ask('what happened at 30 seconds?');
    const dense = e.frames.filter((f) => f.role === 'dense');
    const sparse = e.frames.filter((f) => f.role === 'sparse');
    expect(dense.map((f) => f.tMs)).toEqual([25, 26, 27, 28, 29, 30, 31, 32, 33, 34].map((s) => s * 1000));
    expect(e.frames.every((f) => f.role === 'sparse' || (f.tMs >= 25_000 && f.tMs < 35_000))).toBe(true);
    expect(sparse).toHaveLength(EVIDENCE_DEFAULTS.sparseFrames);
    // One sparse frame per sixth of the video: a kept frame, the one nearest the sixth's centre not
    // already dense (25 s is, so 20 s).
    expect(sparse.map((f) => f.tMs)).toEqual([5, 15, 20, 35, 45, 55].map((s) => s * 1000));
    expect(e.frames.length).toBeLessThanOrEqual(EVIDENCE_DEFAULTS.maxFrames);
    expect(new Set(e.frames.map((f) => f.tMs)).size).toBe(e.frames.length);
    expect(e.ocr.map((o) => o.text)).toContain('PLATFORM9CLOSED');
    expect(e.ocr.every((o) => o.tMs >= 25_000 && o.tMs < 35_000)).toBe(true);
    expect(e.transcript.map((s) => s.startMs)).toEqual([31_000]);
    expect(e.moments).toEqual([]);
    expect(e.chapters).toEqual([]);
  });

  it('a tight frame budget keeps the frame nearest t, then kept frames', async () => {
    const e = await ask('at 0:33', { maxFrames: 4, sparseFrames: 1 });
    expect(e.frames.filter((f) => f.role === 'dense').map((f) => f.tMs)).toEqual([30_000, 33_000, 35_000]);
  });

  it('a range question spreads its dense frames over the range', async () => {
    const e = await ask('between 0:20 and 0:40');
    const dense = e.frames.filter((f) => f.role === 'dense').map((f) => f.tMs);
    expect(dense).toHaveLength(EVIDENCE_DEFAULTS.maxFrames - EVIDENCE_DEFAULTS.sparseFrames);
    expect(dense.every((t) => t >= 20_000 && t < 40_000)).toBe(true);
    expect(Math.min(...dense)).toBeLessThan(22_000);
    expect(Math.max(...dense)).toBeGreaterThanOrEqual(38_000);
    expect(e.ocr.map((o) => o.text)).toEqual(['TRAINDEPARTSATNOON', 'PLATFORM9CLOSED']);
    expect(e.transcript.map((s) => s.startMs)).toEqual([31_000]);
  });

  it('"when does the door open": the top moment lies in the door scene (40–50 s), match frames there', async () => {
    const e = await ask('when does the door open?');
    expect(e.moments.length).toBeGreaterThan(0);
    const top = e.moments[0]!;
    expect(top.startMs).toBeGreaterThanOrEqual(40_000);
    expect(top.endMs).toBeLessThanOrEqual(50_000);
    // OCR and speech agree there and were merged into one moment.
    expect(top.text).toMatch(/DOOR/);
    expect(top.text).toMatch(/door is opening/);
    const match = e.frames.filter((f) => f.role === 'match');
    expect(match.length).toBeGreaterThan(0);
    expect(match.every((f) => f.tMs >= 39_000 && f.tMs <= 51_000)).toBe(true);
    expect(e.transcript.map((s) => s.startMs)).toContain(42_000);
    expect(e.imageRanking).toBe('none');
  });

  it('"when is platform 9 closed" finds the on-screen words without spaces', async () => {
    const e = await ask('when is platform 9 closed');
    const top = e.moments[0]!;
    expect(top.startMs).toBeGreaterThanOrEqual(30_000);
    expect(top.startMs).toBeLessThan(40_000);
    expect(e.ocr.map((o) => o.text)).toContain('PLATFORM9CLOSED');
    expect(e.moments.every((m) => m.score <= e.moments[0]!.score)).toBe(true);
  });

  it('a when question with no hit falls back to the whole video', async () => {
    const e = await ask('when does the elephant dance');
    expect(e.moments).toEqual([]);
    expect(e.frames.every((f) => f.role === 'sparse')).toBe(true);
    expect(e.frames).toHaveLength(EVIDENCE_DEFAULTS.maxFrames);
  });

  it('summary: frames across the video, every chapter, the transcript, OCR once per text', async () => {
    const e = await ask('summarise it with chapters');
    expect(e.chapters).toHaveLength(6);
    expect(e.frames).toHaveLength(EVIDENCE_DEFAULTS.maxFrames);
    expect(Math.min(...e.frames.map((f) => f.tMs))).toBeLessThan(5000);
    expect(Math.max(...e.frames.map((f) => f.tMs))).toBeGreaterThan(55_000);
    expect(e.transcript).toHaveLength(4);
    expect(e.ocr.map((o) => o.text)).toEqual(STATION_SCENES.map((s) => s.text.replace(/ /g, '')));
    expect(e.ocr.map((o) => o.tMs)).toEqual(STATION_SCENES.map((s) => s.startMs));
  });

  it('a small text budget is kept, spread over the whole video', async () => {
    const e = await ask('summarise it', { maxTextChars: 200 });
    expect(textLength(e)).toBeLessThanOrEqual(200);
    expect(e.transcript.length + e.ocr.length).toBeGreaterThan(0);
    const g = await ask('is there a dog?');
    expect(g.chapters).toEqual([]);
    expect(textLength(g)).toBeLessThanOrEqual(EVIDENCE_DEFAULTS.maxTextChars);
  });

  it('blends a text–image ranking: a frame the text search cannot find becomes a moment', async () => {
    // Embeddings of a scripted two-axis model: frames at 52–54 s look like "luggage" (axis 0).
    const tMs = Array.from({ length: 60 }, (_, i) => i * 1000);
    const rows = new Float32Array(60 * 2);
    tMs.forEach((t, i) => {
      const luggage = t >= 52_000 && t <= 54_000;
      rows[i * 2] = luggage ? 1 : 0;
      rows[i * 2 + 1] = luggage ? 0 : 1;
    });
    const features: ImageFeatures = { dims: 2, tMs, rows };
    const model: TextImageModel = {
      name: 'two-axis',
      dims: 2,
      embedImage: async () => new Float32Array([0, 1]),
      embedText: async (text) => new Float32Array(text.includes('luggage') ? [1, 0] : [0, 1]),
      dispose: async () => {},
    };
    const e = await ask('when is the luggage shown', { textImage: { model, features } });
    expect(e.imageRanking).toBe('used');
    expect(e.moments[0]).toMatchObject({ source: 'image' });
    expect(e.moments[0]!.startMs).toBeGreaterThanOrEqual(52_000);
    expect(e.moments[0]!.endMs).toBeLessThanOrEqual(55_000);
    const wide = await ask('when is the luggage shown', {
      textImage: { model: { ...model, dims: 3 }, features },
    });
    expect(wide.imageRanking).toBe('mismatch');
    expect(wide.moments).toEqual([]);
  });
});

describe('gatherEvidence on a long video', () => {
  /** An hour of 1 fps frames, kept every 29 s, that counts the frame rows it hands out. */
  function hourReader(): VideoIndexReader & { rowsRead: number } {
    const frames: FrameRecord[] = Array.from({ length: 3600 }, (_, i) => ({
      tMs: i * 1000,
      scene: false,
      sceneScore: 0,
      kept: i % 29 === 0,
      changedShare: null,
    }));
    const r = {
      rowsRead: 0,
      video: () => null,
      frames(_id: string, range?: TimeRange) {
        const out = frames.filter((f) => !range || (f.tMs >= range.startMs && f.tMs < range.endMs));
        r.rowsRead += out.length;
        return out;
      },
      segments: () => [],
      ocr: () => [],
      chapters: () => [],
      search: () => [],
    };
    return r;
  }

  it('the sparse spread reads frames near each bin centre only, and still prefers kept frames', async () => {
    const reader = hourReader();
    const hour = 3_600_000;
    const e = await gatherEvidence(reader, 'long', parseQuestion('give me a summary', {}, hour), {
      durationMs: hour,
    });
    expect(e.frames).toHaveLength(16);
    expect(reader.rowsRead).toBeLessThanOrEqual(16 * ((2 * SPREAD_PROBE_MS) / 1000));
    const binMs = hour / 16;
    e.frames.forEach((f, i) => {
      expect(Math.floor(f.tMs / binMs)).toBe(i);
      // Kept frames come every 29 s, so one lies within 15 s of every bin centre.
      expect((f.tMs / 1000) % 29).toBe(0);
    });
    const t = hourReader();
    const at = await gatherEvidence(t, 'long', parseQuestion('at 30:00', {}, hour), { durationMs: hour });
    expect(
      at.frames.filter((f) => f.role === 'dense').every((f) => Math.abs(f.tMs - 1_800_000) <= 5000),
    ).toBe(true);
    expect(t.rowsRead).toBeLessThan(400);
  });
});
