import { beforeEach, describe, expect, it } from 'vitest';
import type { ProbeInfo } from '../../../pipelines/video/types.js';
import { openVideoDb, type VideoDb } from '../../../server/video/db/open.js';
import { SqliteVideoIndex } from '../../../server/video/db/reader.js';
import { ocrFtsText, SqliteIngestWriter, spacedOcrText } from '../../../server/video/db/writer.js';

const PROBE: ProbeInfo = {
  durationMs: 60_000,
  hasAudio: true,
  hasVideo: true,
  width: 480,
  height: 270,
  container: 'mov,mp4,m4a,3gp,3g2,mj2',
  videoCodec: 'h264',
  audioCodec: 'aac',
  fps: 10,
};

let db: VideoDb;
let writer: SqliteIngestWriter;
let now = 1_000;

function addVideo(id: string): void {
  db.prepare(
    `INSERT INTO videos (id, owner, name, size_bytes, status, created_at_ms, updated_at_ms)
     VALUES (?, 'alice', 'a.mp4', 10, 'queued', 0, 0)`,
  ).run(id);
}

function video(id: string) {
  return db.prepare('SELECT * FROM videos WHERE id = ?').get(id) as Record<string, unknown>;
}

function search(query: string): { source: string; start_ms: number; end_ms: number }[] {
  return db
    .prepare('SELECT source, start_ms, end_ms FROM text_fts WHERE text_fts MATCH ? ORDER BY start_ms')
    .all(`"${query}"`) as { source: string; start_ms: number; end_ms: number }[];
}

const frames = [0, 1_000, 2_000, 30_000, 31_000].map((tMs) => ({
  tMs,
  scene: tMs === 30_000,
  sceneScore: tMs === 30_000 ? 0.2 : 0,
  kept: false,
  changedShare: null,
}));

function ingestAll(id: string): void {
  writer.commitProbe(id, PROBE);
  writer.commitFrames(id, frames);
  writer.commitTranscript(id, [{ startMs: 31_000, endMs: 33_800, text: 'Platform nine is closed.' }]);
  writer.commitFeatures(
    id,
    frames.map((f) => ({ tMs: f.tMs, kept: f.tMs === 0 || f.tMs === 30_000, changedShare: 0.5 })),
    ['vision.f32'],
  );
  writer.commitOcr(id, [
    { tMs: 0, text: 'WELCOMETOTHESTATION', confidence: 0.9 },
    { tMs: 30_000, text: 'PLATFORM9CLOSED', confidence: 0.95 },
  ]);
}

beforeEach(() => {
  db = openVideoDb(':memory:');
  now = 1_000;
  writer = new SqliteIngestWriter(db, () => now++);
  addVideo('v1');
});

describe('SqliteIngestWriter', () => {
  it('commits each stage with its rows, in order, and makes the video ready only at index', () => {
    expect(writer.finishedStages('v1')).toEqual([]);
    writer.setProgress('v1', 'probe', 50, 1);
    expect(video('v1')).toMatchObject({ status: 'ingesting', stage: 'probe', stage_percent: 50, percent: 1 });
    ingestAll('v1');
    expect(writer.finishedStages('v1')).toEqual(['probe', 'frames', 'audio', 'features', 'ocr']);
    expect(video('v1')).toMatchObject({ status: 'ingesting', duration_ms: 60_000 });
    expect(JSON.parse(video('v1').probe_json as string)).toEqual(PROBE);
    expect(
      new SqliteVideoIndex(db)
        .frames('v1')
        .filter((f) => f.kept)
        .map((f) => f.tMs),
    ).toEqual([0, 30_000]);
    expect(search('platform')).toEqual([]);

    writer.commitIndex('v1', [{ startMs: 0, endMs: 60_000, title: 'WELCOMETOTHESTATION' }], 5_000);
    expect(writer.finishedStages('v1')).toEqual(['probe', 'frames', 'audio', 'features', 'ocr', 'index']);
    expect(video('v1')).toMatchObject({ status: 'ready', percent: 100, ready_at_ms: 5_000, stage: 'index' });
    // The trigram index finds "platform" inside PP-OCR's glued words; the spaced form finds "platform 9".
    expect(search('platform')).toEqual([
      { source: 'ocr', start_ms: 30_000, end_ms: 60_000 },
      { source: 'transcript', start_ms: 31_000, end_ms: 33_800 },
    ]);
    expect(search('platform 9')).toEqual([{ source: 'ocr', start_ms: 30_000, end_ms: 60_000 }]);
    expect(search('welcome')).toEqual([{ source: 'ocr', start_ms: 0, end_ms: 30_000 }]);
  });

  it('leaves nothing of a commit that fails half-way: no rows, the stage not finished, never ready', () => {
    writer.commitProbe('v1', PROBE);
    writer.commitFrames('v1', frames);
    writer.commitTranscript('v1', []);
    expect(() =>
      writer.commitFeatures(
        'v1',
        [
          { tMs: 0, kept: true, changedShare: 1 },
          { tMs: 12_345, kept: true, changedShare: 1 },
        ],
        ['vision.f32'],
      ),
    ).toThrow(/12345 ms/);
    expect(writer.finishedStages('v1')).toEqual(['probe', 'frames', 'audio']);
    expect(new SqliteVideoIndex(db).frames('v1').some((f) => f.kept)).toBe(false);
    expect(db.prepare('SELECT COUNT(*) AS n FROM feature_files').get()).toEqual({ n: 0 });
    expect(video('v1').status).toBe('ingesting');
  });

  it('replaces a stage rows when it is committed again, and forgets the stages after it', () => {
    ingestAll('v1');
    writer.commitIndex('v1', [], 5_000);
    writer.commitFrames('v1', frames.slice(0, 2));
    expect(writer.finishedStages('v1')).toEqual(['probe', 'frames']);
    expect(new SqliteVideoIndex(db).frames('v1').map((f) => f.tMs)).toEqual([0, 1_000]);
    expect(video('v1').status).toBe('ingesting');
  });

  it('refuses to commit to a deleted video (nothing written) or a cancelled one', () => {
    ingestAll('v1');
    db.prepare('DELETE FROM videos WHERE id = ?').run('v1');
    expect(() => writer.commitIndex('v1', [], 1)).toThrow(
      expect.objectContaining({ code: 'ERR_VIDEO_NOT_FOUND' }),
    );
    expect(db.prepare('SELECT COUNT(*) AS n FROM text_fts').get()).toEqual({ n: 0 });
    addVideo('v2');
    db.prepare(`UPDATE videos SET status = 'cancelled' WHERE id = 'v2'`).run();
    expect(() => writer.commitProbe('v2', PROBE)).toThrow(expect.objectContaining({ code: 'ERR_ABORTED' }));
    writer.setProgress('v2', 'probe', 10, 1);
    expect(video('v2').status).toBe('cancelled');
  });

  it('records a failure with its code', () => {
    writer.fail('v1', 'ERR_VIDEO_UNREADABLE', 'cut short');
    expect(video('v1')).toMatchObject({
      status: 'failed',
      error_code: 'ERR_VIDEO_UNREADABLE',
      error_message: 'cut short',
    });
  });
});

describe('spaced OCR text', () => {
  it.each([
    ['PLATFORM9CLOSED', 'PLATFORM 9 CLOSED'],
    ['DoorOpens at12', 'Door Opens at 12'],
    ['EXIT 12', 'EXIT 12'],
  ])('%s → %s', (raw, spaced) => {
    expect(spacedOcrText(raw)).toBe(spaced);
  });
  it('indexes the line and its spaced form only when they differ', () => {
    expect(ocrFtsText('PLATFORM9CLOSED')).toBe('PLATFORM9CLOSED PLATFORM 9 CLOSED');
    expect(ocrFtsText('EXIT 12')).toBe('EXIT 12');
  });
});
