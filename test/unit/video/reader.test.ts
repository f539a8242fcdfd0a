import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openVideoDb, type VideoDb } from '../../../server/video/db/open.js';
import { ftsQuery, SqliteVideoIndex } from '../../../server/video/db/reader.js';
import { fillStationIndex, STATION_PROBE, stationSegments } from '../../helpers/videoIndex.js';

let db: VideoDb;
let reader: SqliteVideoIndex;

beforeEach(async () => {
  db = openVideoDb(':memory:');
  await fillStationIndex(db);
  await fillStationIndex(db, { videoId: 'other', owner: 'owner-b' });
  reader = new SqliteVideoIndex(db);
});
afterEach(() => db.close());

describe('SqliteVideoIndex', () => {
  it('maps the video row, probe parsed; null for an unknown id', () => {
    expect(reader.video('station')).toEqual({
      id: 'station',
      owner: 'owner-a',
      name: 'station.mp4',
      status: 'ready',
      stage: 'index',
      percent: 100,
      sizeBytes: 1_000_000,
      probe: STATION_PROBE,
      createdAtMs: 1000,
      readyAtMs: 2000,
    });
    expect(reader.video('nope')).toBeNull();
  });

  it('frames: all in time order, or those in [start, end)', () => {
    expect(reader.frames('station')).toHaveLength(60);
    const w = reader.frames('station', { startMs: 25_000, endMs: 35_000 });
    expect(w.map((f) => f.tMs)).toEqual([25, 26, 27, 28, 29, 30, 31, 32, 33, 34].map((s) => s * 1000));
    expect(w.find((f) => f.tMs === 30_000)).toEqual({
      tMs: 30_000,
      scene: true,
      sceneScore: 0.7,
      kept: true,
      changedShare: 0.8,
    });
  });

  it('segments overlapping the range; OCR lines inside it', () => {
    expect(reader.segments('station', { startMs: 25_000, endMs: 35_000 }).map((s) => s.startMs)).toEqual([
      31_000,
    ]);
    // A segment that started before the window and runs into it overlaps it.
    expect(reader.segments('station', { startMs: 33_000, endMs: 34_000 }).map((s) => s.startMs)).toEqual([
      31_000,
    ]);
    expect(reader.segments('station', { startMs: 20_000, endMs: 31_000 })).toEqual([]);
    expect(reader.segments('station')).toEqual(stationSegments());
    expect(reader.ocr('station', { startMs: 25_000, endMs: 35_000 })).toEqual([
      { tMs: 25_000, text: 'TRAINDEPARTSATNOON', confidence: 0.93 },
      { tMs: 30_000, text: 'PLATFORM9CLOSED', confidence: 0.93 },
    ]);
    expect(reader.chapters('station')).toHaveLength(6);
  });

  it('search: "platform" finds PLATFORM9CLOSED (trigram), best first, only this video', () => {
    const hits = reader.search('station', 'platform', 10);
    expect(hits.map((h) => [h.source, h.startMs])).toEqual(
      expect.arrayContaining([
        ['ocr', 30_000],
        ['ocr', 35_000],
        ['transcript', 31_000],
      ]),
    );
    expect(hits).toHaveLength(3);
    for (const h of hits) expect(h.score).toBeGreaterThan(0);
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
    db.prepare("DELETE FROM text_fts WHERE video_id = 'other'").run();
    expect(reader.search('other', 'platform', 10)).toEqual([]);
    expect(reader.search('station', 'platform', 10)).toHaveLength(3);
  });

  it('search: words OR-ed, stop words and short words out, quotes escaped, limit kept', () => {
    const door = reader.search('station', 'when does the door open', 10);
    expect(door[0]!.startMs).toBeGreaterThanOrEqual(40_000);
    expect(door.every((h) => h.startMs >= 40_000 && h.startMs < 50_000)).toBe(true);
    expect(reader.search('station', 'the is at', 10)).toEqual([]);
    expect(reader.search('station', '"platform" OR NEAR(', 10).length).toBeGreaterThan(0);
    expect(reader.search('station', 'platform', 1)).toHaveLength(1);
    expect(ftsQuery('When is "platform" 9 closed?')).toBe('"platform" OR "closed"');
    expect(ftsQuery('a b c')).toBeNull();
  });
});
