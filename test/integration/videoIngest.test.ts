import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import type { LlmImage, VisionEncoder } from '../../models/roles/llm.js';
import { PpOcrRole } from '../../models/roles/ppOcrRole.js';
import { SileroVadRole } from '../../models/roles/sileroVadRole.js';
import { SmolVlmLlm } from '../../models/roles/smolVlmLlm.js';
import type { Stt } from '../../models/roles/stt.js';
import type { Vad } from '../../models/roles/vad.js';
import { WhisperStt } from '../../models/roles/whisperStt.js';
import { readFeatureFile } from '../../pipelines/video/featureFile.js';
import { computeFeatures } from '../../pipelines/video/ingest/features.js';
import { runIngestStages, type StageTiming } from '../../pipelines/video/ingest/runner.js';
import type {
  IngestDeps,
  IngestModels,
  IngestProgressReport,
  TextImageModel,
} from '../../pipelines/video/types.js';
import { openVideoDb, type VideoDb } from '../../server/video/db/open.js';
import { SqliteVideoIndex } from '../../server/video/db/reader.js';
import { SqliteIngestWriter } from '../../server/video/db/writer.js';
import { DiskVideoFiles } from '../../server/video/files.js';
import { tinyModelDir } from '../helpers/tinyModels.js';
import {
  badVideos,
  STATION_DURATION_MS,
  STATION_SCENES,
  shortVideo,
  stationAudioOnly,
  stationSpeechTimes,
  stationVideo,
} from '../helpers/videos.js';

/** Counts calls to the models and can abort a run at the n-th vision encode. */
class Spies {
  vadStreams = 0;
  transcribes = 0;
  encodes = 0;
  abortAtEncode: { n: number; controller: AbortController } | null = null;

  wrap(m: IngestModels): IngestModels {
    const vad: Vad = {
      name: m.vad.name,
      sampleRateHz: m.vad.sampleRateHz,
      windowMs: m.vad.windowMs,
      createStream: () => {
        this.vadStreams++;
        return m.vad.createStream();
      },
      dispose: () => m.vad.dispose(),
    };
    const stt: Stt = {
      name: m.stt.name,
      sampleRateHz: m.stt.sampleRateHz,
      transcribe: (u, o) => {
        this.transcribes++;
        return m.stt.transcribe(u, o);
      },
      dispose: () => m.stt.dispose(),
    };
    const inner = m.vision as VisionEncoder;
    const vision: VisionEncoder = {
      name: inner.name,
      tokensPerFrame: inner.tokensPerFrame,
      hidden: inner.hidden,
      encodeFrame: (f, o) => {
        this.encodes++;
        if (this.abortAtEncode && this.encodes === this.abortAtEncode.n)
          this.abortAtEncode.controller.abort();
        return inner.encodeFrame(f, o);
      },
    };
    return { ...m, vad, stt, vision };
  }
}

/** A text–image model for the test: the image's mean colour, normalised (3 dims). */
const meanColour: TextImageModel = {
  name: 'mean-colour',
  dims: 3,
  async embedImage(image: LlmImage) {
    const sum = [0, 0, 0];
    for (let i = 0; i < image.rgb.length; i++) (sum[i % 3] as number) += image.rgb[i] as number;
    const norm = Math.hypot(...sum) || 1;
    return Float32Array.from(sum.map((s) => s / norm));
  },
  async embedText() {
    return new Float32Array(3);
  },
  async dispose() {},
};

let root: string;
let db: VideoDb;
let files: DiskVideoFiles;
let models: IngestModels;
let smol: SmolVlmLlm;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ingest-'));
  db = openVideoDb(join(root, 'index.sqlite'));
  files = new DiskVideoFiles(root);
  smol = await SmolVlmLlm.load(tinyModelDir('smolvlm'));
  models = {
    vad: await SileroVadRole.load(),
    stt: await WhisperStt.load(tinyModelDir('whisper')),
    vision: smol.vision,
    ocr: await PpOcrRole.load(),
    textImage: meanColour,
  };
}, 120_000);

afterAll(async () => {
  db?.close();
  await Promise.all([models?.vad.dispose(), models?.stt.dispose(), models?.ocr?.dispose(), smol?.dispose()]);
  rmSync(root, { recursive: true, force: true });
});

function addVideo(id: string, source: string): void {
  mkdirSync(files.dir(id), { recursive: true });
  copyFileSync(source, files.source(id));
  db.prepare(
    `INSERT INTO videos (id, owner, name, size_bytes, status, created_at_ms, updated_at_ms)
     VALUES (?, 'alice', ?, 1, 'queued', 0, 0)`,
  ).run(id, source);
}

function deps(m: IngestModels = models): IngestDeps {
  return {
    writer: new SqliteIngestWriter(db),
    reader: new SqliteVideoIndex(db),
    files,
    models: m,
    limits: { maxDurationMs: 3_600_000 },
    clock: systemClock,
    log: silentLogger,
  };
}

function status(id: string): { status: string; percent: number; error_code: string | null } {
  return db.prepare('SELECT status, percent, error_code FROM videos WHERE id = ?').get(id) as {
    status: string;
    percent: number;
    error_code: string | null;
  };
}

async function ingest(id: string, d: IngestDeps, signal = new AbortController().signal) {
  const progress: IngestProgressReport[] = [];
  const timings: StageTiming[] = [];
  await runIngestStages(id, d, {
    signal,
    onProgress: (p) => progress.push(p),
    onStageDone: (t) => timings.push(t),
  });
  return { progress, timings };
}

describe('video ingest on the station video (real ffmpeg, SQLite, Silero, PP-OCR; tiny whisper and ViT)', () => {
  const id = 'station';
  let run: { progress: IngestProgressReport[]; timings: StageTiming[] };
  const reader = () => new SqliteVideoIndex(db);

  beforeAll(async () => {
    addVideo(id, stationVideo());
    run = await ingest(id, deps());
    const line = run.timings
      .map(
        (t) =>
          `${t.stage} ${Math.round(t.wallMs)} ms (${(STATION_DURATION_MS / t.wallMs).toFixed(1)}× real time)`,
      )
      .join(', ');
    const kept = new SqliteVideoIndex(db).frames(id).filter((f) => f.kept).length;
    const lines = new SqliteVideoIndex(db).ocr(id).length;
    console.log(`[ingest] station 60 s: ${line}; ${kept} of 60 frames kept, ${lines} OCR lines`);
  }, 300_000);

  it('commits every stage and ends ready, progress monotone and at 100 only at the end', () => {
    expect(new SqliteIngestWriter(db).finishedStages(id)).toEqual([
      'probe',
      'frames',
      'audio',
      'features',
      'ocr',
      'index',
    ]);
    expect(status(id)).toMatchObject({ status: 'ready', percent: 100 });
    const percents = run.progress.map((p) => p.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    expect(percents.slice(0, -1).every((p) => p < 100)).toBe(true);
    expect(new Set(run.progress.map((p) => p.stage))).toEqual(
      new Set(['probe', 'frames', 'audio', 'features', 'ocr', 'index']),
    );
  });

  it('samples a frame every second plus the scene changes, at their true times, with pictures on disk', async () => {
    const frames = reader().frames(id);
    expect(frames.map((f) => f.tMs)).toEqual(Array.from({ length: 60 }, (_, i) => i * 1000));
    expect(frames.filter((f) => f.scene).map((f) => f.tMs)).toEqual(
      STATION_SCENES.slice(1).map((s) => s.startMs),
    );
    for (const t of [0, 30_000, 59_000]) {
      const frame = await sharp(files.frame(id, t)).metadata();
      expect([frame.width, frame.height]).toEqual([480, 270]);
      expect((await sharp(files.thumbnail(id, t)).metadata()).width).toBe(160);
    }
    expect(existsSync(files.scratch(id))).toBe(false);
  });

  it('transcribes where speech is: every phrase has a segment over it, every segment lies on a phrase', () => {
    const segments = reader().segments(id);
    const speech = stationSpeechTimes();
    for (const s of speech) {
      expect(segments.some((g) => g.startMs < s.endMs && g.endMs > s.atMs)).toBe(true);
    }
    for (const g of segments) {
      expect(speech.some((s) => g.startMs >= s.atMs - 400 && g.endMs <= s.endMs + 400)).toBe(true);
    }
  });

  it('keeps the informative frames (scene starts always) and writes their rows and embeddings', async () => {
    const frames = reader().frames(id);
    const kept = frames.filter((f) => f.kept).map((f) => f.tMs);
    expect(kept).toEqual(expect.arrayContaining([0, 10_000, 20_000, 30_000, 40_000, 50_000]));
    expect(frames.every((f) => f.changedShare !== null && f.changedShare >= 0 && f.changedShare <= 1)).toBe(
      true,
    );
    const vision = await readFeatureFile(files.features(id, 'vision.f32'));
    const enc = models.vision as VisionEncoder;
    expect(vision.header).toMatchObject({ dims: enc.hidden, rowsPerEntry: enc.tokensPerFrame, tMs: kept });
    expect(vision.data.length).toBe(kept.length * enc.tokensPerFrame * enc.hidden);
    const direct = await enc.encodeFrame(await rgb(files.frame(id, 30_000)));
    const at = kept.indexOf(30_000) * enc.tokensPerFrame * enc.hidden;
    expect(Array.from(vision.data.subarray(at, at + 8))).toEqual(Array.from(direct.subarray(0, 8)));
    const colours = await readFeatureFile(files.features(id, 'image-text.f32'));
    expect(colours.header).toMatchObject({ dims: 3, tMs: kept, model: 'mean-colour' });
  });

  it('encodes only the frames the change gate passes (scene starts, heartbeats), not every sampled frame', async () => {
    const vision = models.vision as VisionEncoder;
    const counting = (calls: number[]): VisionEncoder => ({
      name: vision.name,
      tokensPerFrame: vision.tokensPerFrame,
      hidden: vision.hidden,
      encodeFrame: (f, o) => {
        calls.push((f as { ptsMs?: number }).ptsMs ?? -1);
        return vision.encodeFrame(f, o);
      },
    });
    const frames = reader().frames(id);
    const gated: number[] = [];
    const all: number[] = [];
    // The same layout, but this test's feature files go beside the committed ones.
    const scratch = (name: string): DiskVideoFiles =>
      Object.assign(Object.create(files) as DiskVideoFiles, {
        features: (v: string, n: string) => join(root, `${name}-${v}-${n}`),
      });
    const withGate = await computeFeatures(id, frames, scratch('gated'), {
      vision: counting(gated),
      textImage: null,
    });
    await computeFeatures(
      id,
      frames,
      scratch('all'),
      { vision: counting(all), textImage: null },
      { gate: null },
    );
    expect(all.length).toBe(frames.length);
    expect(withGate.encoded).toBe(gated.length);
    // Six still scenes: each scene start, plus a heartbeat at most every 10 s.
    expect(gated.length).toBeGreaterThanOrEqual(STATION_SCENES.length);
    expect(gated.length).toBeLessThanOrEqual(2 * STATION_SCENES.length);
    for (const scene of STATION_SCENES) expect(gated).toContain(scene.startMs);
    // Frames not encoded are not kept; the kept ones are the same scenes either way.
    expect(withGate.frames.filter((f) => f.kept).map((f) => f.tMs)).toEqual(
      STATION_SCENES.map((s) => s.startMs),
    );
  });

  it('reads the on-screen text of the kept frames: PLATFORM near 35 s, the station at the start', () => {
    const ocr = reader().ocr(id);
    const at = (from: number, to: number) =>
      ocr
        .filter((l) => l.tMs >= from && l.tMs < to)
        .map((l) => l.text.replace(/\s+/g, ''))
        .join(' ');
    expect(at(30_000, 40_000)).toMatch(/PLATFORM9?CLOSED/);
    expect(at(0, 10_000)).toMatch(/WELCOME/);
    expect(at(40_000, 50_000)).toMatch(/DOOR/);
    expect(ocr.every((l) => l.confidence >= 0.5)).toBe(true);
  });

  it('writes chapters at the scene changes, titled by their on-screen text', () => {
    const chapters = reader().chapters(id);
    expect(chapters.map((c) => c.startMs)).toEqual(STATION_SCENES.map((s) => s.startMs));
    expect(chapters[3]?.title.replace(/\s+/g, '')).toMatch(/PLATFORM9?CLOSED/);
  });
});

describe('resume, cancel and bad input', () => {
  it('an ingest aborted in the middle of `features` resumes there: probe, frames and audio are not run again', async () => {
    const id = 'short-resume';
    addVideo(id, shortVideo());
    const spies = new Spies();
    const controller = new AbortController();
    spies.abortAtEncode = { n: 2, controller }; // the short clip's two scenes are its only encodes
    const d = deps(spies.wrap(models));
    await expect(ingest(id, d, controller.signal)).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(d.writer.finishedStages(id)).toEqual(['probe', 'frames', 'audio']);
    expect(status(id).status).toBe('ingesting');
    expect(new SqliteVideoIndex(db).frames(id).some((f) => f.kept)).toBe(false);
    expect(existsSync(files.features(id, 'vision.f32'))).toBe(false);
    expect(spies.transcribes).toBeGreaterThan(0);
    const before = { vad: spies.vadStreams, stt: spies.transcribes, encodes: spies.encodes };
    const framesBefore = new SqliteVideoIndex(db).frames(id);

    spies.abortAtEncode = null;
    const resumed = await ingest(id, d);
    expect(resumed.timings.map((t) => t.stage)).toEqual(['features', 'ocr', 'index']);
    expect(spies.vadStreams).toBe(before.vad);
    expect(spies.transcribes).toBe(before.stt);
    // The whole features stage runs again (from its first frame), through the change gate.
    expect(spies.encodes - before.encodes).toBeGreaterThanOrEqual(2);
    expect(spies.encodes - before.encodes).toBeLessThan(framesBefore.length);
    expect(resumed.progress[0]?.percent).toBeGreaterThanOrEqual(45);
    expect(resumed.progress.at(-1)?.percent).toBe(100);
    expect(status(id)).toMatchObject({ status: 'ready', percent: 100 });
    expect(new SqliteVideoIndex(db).frames(id).map((f) => f.tMs)).toEqual(framesBefore.map((f) => f.tMs));
  }, 120_000);

  it.each([
    ['truncatedMp4', 'ERR_VIDEO_UNREADABLE'],
    ['textAsMp4', 'ERR_VIDEO_UNREADABLE'],
    ['zeroSeconds', 'ERR_VIDEO_EMPTY'],
  ] as const)('refuses %s: the video fails with %s and nothing of it is committed', async (which, code) => {
    const id = `bad-${which}`;
    addVideo(id, badVideos()[which]);
    const d = deps();
    await expect(ingest(id, d)).rejects.toMatchObject({ code });
    expect(status(id)).toMatchObject({ status: 'failed', error_code: code });
    expect(d.writer.finishedStages(id)).toEqual([]);
  });

  it('ingests an audio-only file: no frames, its speech transcribed, ready', async () => {
    const id = 'audio-only';
    addVideo(id, stationAudioOnly());
    await ingest(id, deps());
    const reader = new SqliteVideoIndex(db);
    expect(reader.frames(id)).toEqual([]);
    expect(reader.segments(id).length).toBeGreaterThanOrEqual(4);
    expect(reader.chapters(id)).toEqual([{ startMs: 0, endMs: 60_000, title: expect.any(String) }]);
    expect(status(id).status).toBe('ready');
  }, 120_000);
});

async function rgb(path: string): Promise<LlmImage> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { rgb: new Uint8Array(data), width: info.width, height: info.height };
}
