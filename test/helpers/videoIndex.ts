import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import sharp from 'sharp';
import type {
  ChapterRecord,
  FrameRecord,
  OcrRecord,
  ProbeInfo,
  SegmentRecord,
  VideoFiles,
} from '../../pipelines/video/types.js';
import { VIDEO_STAGES, type VideoStatus } from '../../protocol/video.js';
import type { VideoDb } from '../../server/video/db/open.js';
import { STATION_DURATION_MS, STATION_SCENES, STATION_SIZE, STATION_SPEECH } from './videos.js';

/**
 * A synthetic index of the 60 s station video (test/helpers/videos.ts), written
 * with SQL straight into the schema the way ingest would leave it: a frame each
 * second, a scene frame at each 10 s, kept frames at each scene start and 5 s
 * into it, OCR on the kept frames as PP-OCR reads big words (no spaces:
 * `PLATFORM9CLOSED`), a transcript segment per spoken phrase, a chapter per
 * scene, and one full-text row per segment and per OCR line.
 */

/** Synthetic speech length: espeak-ng at 150 wpm is about 400 ms a word. */
const MS_PER_WORD = 400;

/** The frames of the synthetic index. */
export function stationFrames(): FrameRecord[] {
  const frames: FrameRecord[] = [];
  for (let tMs = 0; tMs < STATION_DURATION_MS; tMs += 1000) {
    const scene = tMs % 10_000 === 0;
    const kept = scene || tMs % 10_000 === 5000;
    frames.push({ tMs, scene, sceneScore: scene ? 0.7 : 0, kept, changedShare: kept ? 0.8 : 0.02 });
  }
  return frames;
}

/** The transcript of the synthetic index: each phrase from its time, ~400 ms a word. */
export function stationSegments(): SegmentRecord[] {
  return STATION_SPEECH.map((s) => ({
    startMs: s.atMs,
    endMs: s.atMs + s.text.split(/\s+/).length * MS_PER_WORD,
    text: s.text,
  }));
}

/** OCR of the kept frames: the scene's words with the spaces dropped, as PP-OCR tends to read them. */
export function stationOcr(): OcrRecord[] {
  return stationFrames()
    .filter((f) => f.kept)
    .map((f) => {
      const scene = STATION_SCENES.find((s) => f.tMs >= s.startMs && f.tMs < s.endMs)!;
      return { tMs: f.tMs, text: scene.text.replace(/\s+/g, ''), confidence: 0.93 };
    });
}

export function stationChapters(): ChapterRecord[] {
  return STATION_SCENES.map((s) => ({
    startMs: s.startMs,
    endMs: s.endMs,
    title: s.text.charAt(0) + s.text.slice(1).toLowerCase(),
  }));
}

export const STATION_PROBE: ProbeInfo = {
  durationMs: STATION_DURATION_MS,
  hasAudio: true,
  hasVideo: true,
  width: STATION_SIZE.width,
  height: STATION_SIZE.height,
  container: 'mov,mp4,m4a,3gp,3g2,mj2',
  videoCodec: 'h264',
  audioCodec: 'aac',
  fps: STATION_SIZE.fps,
};

export interface StationIndexOptions {
  videoId?: string;
  owner?: string;
  /** Default 'ready' (every stage committed). Any other status leaves the index stage out. */
  status?: VideoStatus;
  /** Write each frame as a solid JPEG of its scene's colour (512×288) where `files` says. */
  files?: VideoFiles;
}

/** Fills `db` with the synthetic station video; returns its id. */
export async function fillStationIndex(db: VideoDb, options: StationIndexOptions = {}): Promise<string> {
  const videoId = options.videoId ?? 'station';
  const status = options.status ?? 'ready';
  const ready = status === 'ready';
  const frames = stationFrames();
  const segments = stationSegments();
  const ocr = stationOcr();
  db.transaction(() => {
    db.prepare(
      `INSERT INTO videos (id, owner, name, size_bytes, stored_bytes, status, stage, stage_percent, percent,
         probe_json, duration_ms, created_at_ms, updated_at_ms, ready_at_ms)
       VALUES (?, ?, 'station.mp4', 1000000, 2000000, ?, ?, ?, ?, ?, ?, 1000, 2000, ?)`,
    ).run(
      videoId,
      options.owner ?? 'owner-a',
      status,
      ready ? 'index' : 'ocr',
      ready ? 100 : 40,
      ready ? 100 : 80,
      JSON.stringify(STATION_PROBE),
      STATION_DURATION_MS,
      ready ? 2000 : null,
    );
    const stages = ready ? VIDEO_STAGES : VIDEO_STAGES.filter((s) => s !== 'index');
    const stage = db.prepare(
      'INSERT INTO video_stages (video_id, stage, finished_at_ms) VALUES (?, ?, 1500)',
    );
    for (const s of stages) stage.run(videoId, s);
    const frame = db.prepare(
      'INSERT INTO frames (video_id, t_ms, scene, scene_score, kept, changed_share) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const f of frames)
      frame.run(videoId, f.tMs, f.scene ? 1 : 0, f.sceneScore, f.kept ? 1 : 0, f.changedShare);
    const seg = db.prepare(
      'INSERT INTO segments (video_id, seq, start_ms, end_ms, text) VALUES (?, ?, ?, ?, ?)',
    );
    for (const [i, s] of segments.entries()) seg.run(videoId, i, s.startMs, s.endMs, s.text);
    const line = db.prepare(
      'INSERT INTO ocr_lines (video_id, t_ms, seq, text, confidence) VALUES (?, ?, 0, ?, ?)',
    );
    for (const o of ocr) line.run(videoId, o.tMs, o.text, o.confidence);
    if (!ready) return;
    const chapter = db.prepare(
      'INSERT INTO chapters (video_id, seq, start_ms, end_ms, title) VALUES (?, ?, ?, ?, ?)',
    );
    for (const [i, c] of stationChapters().entries()) chapter.run(videoId, i, c.startMs, c.endMs, c.title);
    const fts = db.prepare(
      'INSERT INTO text_fts (text, video_id, source, start_ms, end_ms) VALUES (?, ?, ?, ?, ?)',
    );
    for (const s of segments) fts.run(s.text, videoId, 'transcript', s.startMs, s.endMs);
    for (const o of ocr) fts.run(o.text, videoId, 'ocr', o.tMs, o.tMs + 1000);
  })();
  if (options.files) {
    for (const f of frames) {
      const scene = STATION_SCENES.find((s) => f.tMs >= s.startMs && f.tMs < s.endMs)!;
      const path = options.files.frame(videoId, f.tMs);
      mkdirSync(dirname(path), { recursive: true });
      const c = Number.parseInt(scene.colour, 16);
      await sharp({
        create: {
          width: 512,
          height: 288,
          channels: 3,
          background: { r: c >> 16, g: (c >> 8) & 255, b: c & 255 },
        },
      })
        .jpeg()
        .toFile(path);
    }
  }
  return videoId;
}
