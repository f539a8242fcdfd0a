// What uploaded-video Q&A costs on this machine: `npm run bench:video` (`-- --only ingest,real,queue,storage,ask`).
// - ingest: the 60 s station video (test/helpers/videos.ts) through every stage with the tiny models and the
//   real Silero VAD + PP-OCR, per stage as multiples of real time; model time per role from timing wrappers.
// - real: what a user's ingest costs with the real-size stand-ins (models/tiny REAL_SIZE_GENERATORS): the
//   per-unit costs measured here (vision encoder per frame, Whisper encoder per 30 s window and decoder step)
//   times the units the station ingest actually ran (frames encoded, speech regions, transcript tokens).
// - queue: BullMQ on a real redis-server, one and then two worker processes, eight short videos.
// - storage: database and feature files per hour of video.
// - ask: question latency without the LLM (parse + retrieval), p50/p95, on the station index and a 1 h index.
// Prints tables and JSON; asserts nothing.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/log.js';
import type { VisionEncoder } from '../models/roles/llm.js';
import type { Ocr } from '../models/roles/ocr.js';
import type { Stt } from '../models/roles/stt.js';
import type { Vad } from '../models/roles/vad.js';
import { realSizeModelDir } from '../models/tiny/generators.js';
import { gatherEvidence } from '../pipelines/video/ask/evidence.js';
import { parseQuestion } from '../pipelines/video/ask/timeQuery.js';
import { runIngestStages, type StageTiming } from '../pipelines/video/ingest/runner.js';
import type { IngestModels, VideoIndexReader } from '../pipelines/video/types.js';
import type { IngestProgress, VideoStage } from '../protocol/video.js';
import { loadModelSet } from '../server/assistant/modelSet.js';
import { loadConfig } from '../server/config.js';
import { openVideoDb, type VideoDb } from '../server/video/db/open.js';
import { SqliteVideoIndex } from '../server/video/db/reader.js';
import { SqliteIngestWriter } from '../server/video/db/writer.js';
import { DiskVideoFiles } from '../server/video/files.js';
import { LocalProgressBus } from '../server/video/progressBus.js';
import { createBullmqQueue } from '../server/video/queue/bullmq.js';
import { spawnTs } from '../test/helpers/processes.js';
import { startRedis } from '../test/helpers/redis.js';
import { tinyModelSetDir } from '../test/helpers/tinyModels.js';
import { STATION_DURATION_MS, shortVideo, stationVideo } from '../test/helpers/videos.js';
import { visionCost, whisperCost } from './modelCost.js';

interface Table {
  title: string;
  header: string[];
  rows: (string | number)[][];
  note?: string;
}

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0));
const xRealTime = (wallMs: number, mediaMs: number) =>
  wallMs > 0 ? `${(mediaMs / wallMs).toFixed(1)}×` : '—';

function printTable(t: Table): void {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) =>
    cells.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join('  ');
  process.stdout.write(
    `\n## ${t.title}\n${line(t.header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`,
  );
  for (const r of t.rows) process.stdout.write(`${line(r)}\n`);
  if (t.note) process.stdout.write(`${t.note}\n`);
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

/** Time spent inside each model role, and how many calls. */
class RoleClock {
  readonly ms: Record<string, number> = {};
  readonly calls: Record<string, number> = {};
  async time<T>(role: string, run: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      this.ms[role] = (this.ms[role] ?? 0) + performance.now() - t0;
      this.calls[role] = (this.calls[role] ?? 0) + 1;
    }
  }
}

function timedModels(m: IngestModels, clock: RoleClock, tokens: { count: number }): IngestModels {
  const vad: Vad = {
    name: m.vad.name,
    sampleRateHz: m.vad.sampleRateHz,
    windowMs: m.vad.windowMs,
    createStream() {
      const s = m.vad.createStream();
      return {
        process: (chunk, signal) => clock.time('vad', () => s.process(chunk, signal)),
        reset: () => s.reset(),
        dispose: () => s.dispose(),
      };
    },
    dispose: () => m.vad.dispose(),
  };
  const stt: Stt = {
    ...m.stt,
    transcribe: async (u, o) => {
      const r = await clock.time('stt', () => m.stt.transcribe(u, o));
      tokens.count += Math.ceil(r.text.length / 4) + 1;
      return r;
    },
    dispose: () => m.stt.dispose(),
  };
  const vision: VisionEncoder | null = m.vision
    ? {
        name: m.vision.name,
        tokensPerFrame: m.vision.tokensPerFrame,
        hidden: m.vision.hidden,
        encodeFrame: (f, o) => clock.time('vision', () => (m.vision as VisionEncoder).encodeFrame(f, o)),
      }
    : null;
  const ocr: Ocr | null = m.ocr
    ? {
        name: m.ocr.name,
        read: (img, o) => clock.time('ocr', () => (m.ocr as Ocr).read(img, o)),
        dispose: () => Promise.resolve(),
      }
    : null;
  return { vad, stt, vision, ocr, textImage: m.textImage };
}

function insertVideo(db: VideoDb, files: DiskVideoFiles, id: string, source: string, owner = 'bench'): void {
  const path = files.source(id);
  mkdirSync(dirname(path), { recursive: true });
  copyFileSync(source, path);
  const now = Date.now();
  db.prepare(
    `INSERT INTO videos (id, owner, name, size_bytes, status, created_at_ms, updated_at_ms)
     VALUES (?, ?, ?, ?, 'queued', ?, ?)`,
  ).run(id, owner, `${id}.mp4`, statSync(path).size, now, now);
}

function duBytes(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, name) => n + duBytes(join(path, name)), 0);
}

interface IngestRun {
  dataDir: string;
  db: VideoDb;
  files: DiskVideoFiles;
  videoId: string;
  stages: StageTiming[];
  totalMs: number;
  roles: RoleClock;
  sttTokens: number;
  framesSampled: number;
  framesKept: number;
  speechRegions: number;
  progressEvents: number;
}

async function ingestStation(): Promise<IngestRun> {
  const config = loadConfig({ SIGHTLINE_MODELS_DIR: tinyModelSetDir(), LOG_LEVEL: 'error' });
  const set = await loadModelSet({ config: config.assistant, log: silentLogger });
  const loaded = set.models;
  if (!loaded) throw new Error('the tiny model set did not load');
  const dataDir = mkdtempSync(join(tmpdir(), 'sightline-bench-video-'));
  const db = openVideoDb(join(dataDir, 'sightline.db'));
  const files = new DiskVideoFiles(dataDir);
  const videoId = 'station';
  insertVideo(db, files, videoId, stationVideo());
  const roles = new RoleClock();
  const tokens = { count: 0 };
  const models = timedModels(
    { vad: loaded.vad, stt: loaded.stt, vision: loaded.vision, ocr: loaded.ocr, textImage: null },
    roles,
    tokens,
  );
  const stages: StageTiming[] = [];
  let progressEvents = 0;
  const t0 = performance.now();
  await runIngestStages(
    videoId,
    {
      writer: new SqliteIngestWriter(db),
      reader: new SqliteVideoIndex(db),
      files,
      models,
      limits: { maxDurationMs: config.video.maxDurationMs },
      clock: systemClock,
      log: silentLogger,
    },
    {
      signal: new AbortController().signal,
      onProgress: () => progressEvents++,
      onStageDone: (t) => stages.push(t),
    },
  );
  const totalMs = performance.now() - t0;
  await set.dispose();
  const count = (sql: string) => (db.prepare(sql).get(videoId) as { n: number }).n;
  return {
    dataDir,
    db,
    files,
    videoId,
    stages,
    totalMs,
    roles,
    sttTokens: tokens.count,
    framesSampled: count('SELECT count(*) AS n FROM frames WHERE video_id = ?'),
    framesKept: count('SELECT count(*) AS n FROM frames WHERE video_id = ? AND kept = 1'),
    speechRegions: roles.calls.stt ?? 0,
    progressEvents,
  };
}

function ingestTable(run: IngestRun): Table {
  const wall = (s: VideoStage) => run.stages.find((t) => t.stage === s)?.wallMs ?? 0;
  const vision = run.roles.ms.vision ?? 0;
  const rows: (string | number)[][] = [
    ['probe (ffprobe + demux pass)', fmt(wall('probe')), xRealTime(wall('probe'), STATION_DURATION_MS), ''],
    [
      'decode (1 fps + scene frames, JPEGs, thumbs)',
      fmt(wall('frames')),
      xRealTime(wall('frames'), STATION_DURATION_MS),
      `${run.framesSampled} frames`,
    ],
    [
      'VAD + STT',
      fmt(wall('audio')),
      xRealTime(wall('audio'), STATION_DURATION_MS),
      `vad ${fmt(run.roles.ms.vad ?? 0)} ms, stt ${fmt(run.roles.ms.stt ?? 0)} ms in ${run.speechRegions} regions`,
    ],
    [
      'ViT (tiny encoder)',
      fmt(vision),
      xRealTime(vision, STATION_DURATION_MS),
      `${run.roles.calls.vision ?? 0} frames encoded`,
    ],
    [
      'compressor + frame decode',
      fmt(wall('features') - vision),
      xRealTime(wall('features') - vision, STATION_DURATION_MS),
      `${run.framesKept} of ${run.framesSampled} frames kept`,
    ],
    [
      'OCR (real PP-OCR)',
      fmt(wall('ocr')),
      xRealTime(wall('ocr'), STATION_DURATION_MS),
      `${run.roles.calls.ocr ?? 0} frames read`,
    ],
    ['index (chapters, FTS, ready)', fmt(wall('index')), xRealTime(wall('index'), STATION_DURATION_MS), ''],
    [
      'all: upload complete → answerable',
      fmt(run.totalMs),
      xRealTime(run.totalMs, STATION_DURATION_MS),
      `${run.progressEvents} progress events`,
    ],
  ];
  return {
    title: 'Ingest of the 60 s station video: tiny models, real Silero VAD and PP-OCR (in-process, 2 cores)',
    header: ['stage', 'wall ms', '× real time', 'detail'],
    rows,
    note: 'Upload complete → answerable is the in-process ingest itself (the queue starts it at once).',
  };
}

async function realTable(run: IngestRun, threads: number): Promise<Table> {
  const vision = await visionCost(realSizeModelDir('smolvlm2-256m'), threads);
  const whisper = await whisperCost(realSizeModelDir('whisper-base'), threads);
  const visionMs = (run.roles.calls.vision ?? 0) * (vision.preprocessMs + vision.frameMs);
  const everyFrameMs = run.framesSampled * (vision.preprocessMs + vision.frameMs);
  // Whisper pads each region to 30 s: one encoder pass per region, then one decoder step per token.
  const sttMs =
    run.speechRegions * (whisper.encoder30sMs + whisper.firstStepMs) + run.sttTokens * whisper.stepMs;
  const measured = (s: VideoStage) => run.stages.find((t) => t.stage === s)?.wallMs ?? 0;
  const rest = measured('probe') + measured('frames') + measured('ocr') + measured('index');
  const vadMs = run.roles.ms.vad ?? 0;
  const compressorMs = measured('features') - (run.roles.ms.vision ?? 0);
  const totalMs = rest + vadMs + sttMs + visionMs + compressorMs;
  return {
    title: `Real-size projection of the same ingest (${threads} threads; per-unit costs measured now on the real-size stand-ins)`,
    header: ['stage', 'ms', '× real time', 'how'],
    rows: [
      [
        'ViT, kept policy (frames the ingest encoded)',
        fmt(visionMs),
        xRealTime(visionMs, STATION_DURATION_MS),
        `${run.roles.calls.vision} × ${fmt(vision.preprocessMs + vision.frameMs)} ms`,
      ],
      [
        'ViT if every 1 fps frame were encoded',
        fmt(everyFrameMs),
        xRealTime(everyFrameMs, STATION_DURATION_MS),
        `${run.framesSampled} × ${fmt(vision.preprocessMs + vision.frameMs)} ms`,
      ],
      [
        'STT (whisper-base)',
        fmt(sttMs),
        xRealTime(sttMs, STATION_DURATION_MS),
        `${run.speechRegions} × (${fmt(whisper.encoder30sMs)} + ${fmt(whisper.firstStepMs)}) + ${run.sttTokens} tok × ${fmt(whisper.stepMs)} ms`,
      ],
      [
        'VAD, decode, compressor, OCR, index (measured)',
        fmt(rest + vadMs + compressorMs),
        xRealTime(rest + vadMs + compressorMs, STATION_DURATION_MS),
        'the same on real models',
      ],
      ['all', fmt(totalMs), xRealTime(totalMs, STATION_DURATION_MS), ''],
    ],
    note: 'The offline change gate (pipelines/video/ingest/features.ts OFFLINE_GATE) sends the encoder scene starts, changed frames and a 10 s heartbeat; the second row is the cost without it.',
  };
}

async function queueTable(): Promise<Table> {
  const redis = await startRedis();
  const rows: (string | number)[][] = [];
  try {
    for (const workerCount of [1, 2]) {
      const dataDir = mkdtempSync(join(tmpdir(), 'sightline-bench-queue-'));
      const db = openVideoDb(join(dataDir, 'sightline.db'));
      const files = new DiskVideoFiles(dataDir);
      const bus = new LocalProgressBus(silentLogger);
      const workers = Array.from({ length: workerCount }, () =>
        spawnTs('server/video/worker/main.ts', {
          REDIS_URL: redis.url,
          SIGHTLINE_DATA_DIR: dataDir,
          SIGHTLINE_MODELS_DIR: tinyModelSetDir(),
          INGEST_CONCURRENCY: '1',
          // One onnxruntime thread per session: two workers on two cores would otherwise fight.
          MODEL_THREADS: '1',
          LOG_LEVEL: 'info',
        }),
      );
      await Promise.all(workers.map((w) => w.waitFor('ingest worker is taking jobs', 180_000)));
      const queue = await createBullmqQueue({
        redisUrl: redis.url,
        concurrency: 1,
        run: null,
        progress: bus,
        log: silentLogger,
      });
      const n = 8;
      const ids = Array.from({ length: n }, (_, i) => `v${i}`);
      for (const id of ids) insertVideo(db, files, id, shortVideo());
      const done = new Set<string>();
      const finished = new Promise<void>((resolve) =>
        bus.subscribe('*', (p: IngestProgress) => {
          if (p.status === 'ready' || p.status === 'failed') done.add(p.videoId);
          if (done.size === n) resolve();
        }),
      );
      const t0 = performance.now();
      for (const id of ids) await queue.enqueue(id);
      await finished;
      const wallMs = performance.now() - t0;
      await queue.close();
      await Promise.all(workers.map((w) => w.kill('SIGTERM')));
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
      rows.push([workerCount, n, fmt(wallMs), xRealTime(wallMs, n * 6000)]);
    }
  } finally {
    await redis.stop();
  }
  const speedup = Number(rows[0]?.[2]) / Number(rows[1]?.[2]);
  return {
    title: 'BullMQ on a real redis-server: eight 6 s videos, worker processes on this 2-core machine',
    header: ['workers', 'videos', 'wall ms', '× real time'],
    rows,
    note: `Two workers finish ${speedup.toFixed(2)}× as fast as one (MODEL_THREADS=1 each; ffmpeg's own threads still share the two cores).`,
  };
}

function storageTable(run: IngestRun): Table {
  const perHour = (bytes: number) => `${((bytes * (3_600_000 / STATION_DURATION_MS)) / 1e6).toFixed(1)} MB`;
  const dir = run.files.dir(run.videoId);
  const part = (name: string) => {
    try {
      return duBytes(join(dir, name));
    } catch {
      return 0;
    }
  };
  run.db.pragma('wal_checkpoint(TRUNCATE)');
  const dbBytes = duBytes(join(run.dataDir, 'sightline.db'));
  const rows: [string, number][] = [
    ['database (rows + FTS5)', dbBytes],
    ['feature files', part('features')],
    ['frames (JPEG ≤512 px)', part('frames')],
    ['thumbnails', part('thumbs')],
    ['source (as uploaded)', part('source')],
  ];
  return {
    title: 'Storage per hour of video (the station video scaled ×60)',
    header: ['what', 'for 60 s', 'per hour'],
    rows: rows.map(([w, b]) => [w, `${(b / 1e3).toFixed(0)} kB`, perHour(b)]),
  };
}

/** A synthetic 1 h index: a frame a second, a transcript segment every 8 s, on-screen text every 10 s. */
function syntheticHour(db: VideoDb): string {
  const id = 'hour';
  const now = Date.now();
  const hourMs = 3_600_000;
  db.prepare(
    `INSERT INTO videos (id, owner, name, size_bytes, status, probe_json, duration_ms, created_at_ms, updated_at_ms, ready_at_ms, percent)
     VALUES (?, 'bench', 'hour.mp4', 1, 'ready', ?, ?, ?, ?, ?, 100)`,
  ).run(
    id,
    JSON.stringify({
      durationMs: hourMs,
      hasAudio: true,
      hasVideo: true,
      width: 640,
      height: 360,
      container: 'mp4',
      videoCodec: 'h264',
      audioCodec: 'aac',
      fps: 25,
    }),
    hourMs,
    now,
    now,
    now,
  );
  const words = [
    'door',
    'train',
    'ticket',
    'platform',
    'signal',
    'coffee',
    'window',
    'bridge',
    'engine',
    'clock',
  ];
  db.transaction(() => {
    const frame = db.prepare('INSERT INTO frames VALUES (?, ?, ?, ?, ?, ?)');
    for (let t = 0; t < hourMs; t += 1000)
      frame.run(id, t, t % 30_000 === 0 ? 1 : 0, 0, t % 5000 === 0 ? 1 : 0, 0.1);
    const seg = db.prepare('INSERT INTO segments VALUES (?, ?, ?, ?, ?)');
    const ocr = db.prepare('INSERT INTO ocr_lines VALUES (?, ?, ?, ?, ?)');
    const fts = db.prepare(
      'INSERT INTO text_fts (text, video_id, source, start_ms, end_ms) VALUES (?, ?, ?, ?, ?)',
    );
    let seq = 0;
    for (let t = 0; t < hourMs; t += 8000) {
      const text = `the ${words[seq % 10]} near the ${words[(seq * 7) % 10]} at step ${seq}`;
      seg.run(id, seq++, t, t + 6000, text);
      fts.run(text, id, 'transcript', t, t + 6000);
    }
    for (let t = 0; t < hourMs; t += 10_000) {
      const text = `${words[(t / 10_000) % 10]?.toUpperCase()}${t / 10_000}`;
      ocr.run(id, t, 0, text, 0.9);
      fts.run(text, id, 'ocr', t, t + 10_000);
    }
  })();
  return id;
}

const QUESTIONS = [
  'What happened at 30 seconds?',
  'What is on screen at 0:45?',
  'What happens between 0:20 and 0:40?',
  'When does the door open?',
  'When is platform 9 closed?',
  'Summarise it with chapters',
  'What is this video about?',
  'In the first ten seconds, what do we see?',
];

async function askLatency(
  reader: VideoIndexReader,
  videoId: string,
  durationMs: number,
  runs: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const q = QUESTIONS[i % QUESTIONS.length] as string;
    const t0 = performance.now();
    const parsed = parseQuestion(q, {}, durationMs);
    await gatherEvidence(reader, videoId, parsed, { durationMs, textImage: null });
    out.push(performance.now() - t0);
  }
  return out;
}

async function askTable(run: IngestRun): Promise<Table> {
  const reader = new SqliteVideoIndex(run.db);
  const hourId = syntheticHour(run.db);
  const rows: (string | number)[][] = [];
  for (const [label, id, durationMs] of [
    ['station (60 s, ingested)', run.videoId, STATION_DURATION_MS],
    ['synthetic 1 h index', hourId, 3_600_000],
  ] as const) {
    await askLatency(reader, id, durationMs, 16); // warm the statements
    const ms = await askLatency(reader, id, durationMs, 400);
    rows.push([label, ms.length, fmt(percentile(ms, 50)), fmt(percentile(ms, 95))]);
  }
  return {
    title:
      'Question latency without the LLM: time parse + retrieval (FTS5, frame picks), 8 kinds of question',
    header: ['index', 'questions', 'p50 ms', 'p95 ms'],
    rows,
    note: 'Frame JPEG decoding for the prompt (~3 ms a frame, ≤16 frames) and the LLM come on top.',
  };
}

async function main(): Promise<void> {
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',') ?? ['ingest', 'real', 'queue', 'storage', 'ask'];
  const threads = Number(process.argv.find((a) => a.startsWith('--threads='))?.slice(10) ?? 2);
  process.stdout.write(
    `# bench:video — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, load ${loadavg()[0]?.toFixed(1)} at start\n`,
  );
  const tables: Table[] = [];
  const needsIngest = only.some((s) => s !== 'queue');
  const run = needsIngest ? await ingestStation() : null;
  if (run && only.includes('ingest')) tables.push(ingestTable(run));
  if (run && only.includes('real')) tables.push(await realTable(run, threads));
  if (only.includes('queue')) tables.push(await queueTable());
  if (run && only.includes('storage')) tables.push(storageTable(run));
  if (run && only.includes('ask')) tables.push(await askTable(run));
  for (const t of tables) printTable(t);
  process.stdout.write(`\n${JSON.stringify({ tables, loadAvg1mAfter: loadavg()[0] })}\n`);
  if (run) {
    run.db.close();
    rmSync(run.dataDir, { recursive: true, force: true });
  }
}

await main();
