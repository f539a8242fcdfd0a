import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.js';
import type { IngestProgress } from '../../protocol/video.js';
import { openVideoDb, type VideoDb } from '../../server/video/db/open.js';
import { DiskVideoFiles } from '../../server/video/files.js';
import { createBullmqQueue } from '../../server/video/queue/bullmq.js';
import type { IngestQueue } from '../../server/video/types.js';
import { type Spawned, spawnTs } from '../helpers/processes.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/server.js';
import { tinyModelSetDir } from '../helpers/tinyModels.js';
import { shortVideo, stationVideo } from '../helpers/videos.js';

let redis: TestRedis;
let dataDir: string;
let db: VideoDb;
let files: DiskVideoFiles;
let queue: IngestQueue;
const events: IngestProgress[] = [];
const workers: Spawned[] = [];

function addVideo(id: string, source: string): void {
  const path = files.source(id);
  mkdirSync(dirname(path), { recursive: true });
  copyFileSync(source, path);
  const now = Date.now();
  db.prepare(
    `INSERT INTO videos (id, owner, name, size_bytes, status, created_at_ms, updated_at_ms)
     VALUES (?, 'queue-test', ?, ?, 'queued', ?, ?)`,
  ).run(id, `${id}.mp4`, statSync(path).size, now, now);
}

const statusOf = (id: string) =>
  (db.prepare('SELECT status FROM videos WHERE id = ?').get(id) as { status: string } | undefined)?.status;
const stagesOf = (id: string) =>
  db
    .prepare('SELECT stage, finished_at_ms FROM video_stages WHERE video_id = ? ORDER BY finished_at_ms')
    .all(id) as {
    stage: string;
    finished_at_ms: number;
  }[];

/** waitFor with the check first and the description second, as these tests read. */
/** waitFor that, on a timeout, says where each video is and what the workers last printed. */
async function until<T>(
  check: Parameters<typeof waitFor<T>>[0],
  what: string,
  timeoutMs: number,
): Promise<T> {
  try {
    return await waitFor(check, timeoutMs, what);
  } catch (error) {
    const rows = db.prepare('SELECT id, status, stage, error_code, error_message FROM videos').all();
    const tails = workers.map(
      (w, i) => `--- worker ${i} ---\n${w.output().split('\n').slice(-25).join('\n')}`,
    );
    throw new Error(`${(error as Error).message}\nvideos: ${JSON.stringify(rows)}\n${tails.join('\n')}`);
  }
}

function startWorker(): Spawned {
  const w = spawnTs('server/video/worker/main.ts', {
    REDIS_URL: redis.url,
    SIGHTLINE_DATA_DIR: dataDir,
    SIGHTLINE_MODELS_DIR: tinyModelSetDir(),
    INGEST_CONCURRENCY: '1',
    LOG_LEVEL: 'info',
  });
  workers.push(w);
  return w;
}

/** Worker log lines saying it started `videoId`'s ingest. */
const took = (w: Spawned, videoId: string) =>
  w
    .output()
    .split('\n')
    .some((l) => l.includes('"ingest job started"') && l.includes(`"videoId":"${videoId}"`));

beforeAll(async () => {
  redis = await startRedis();
  dataDir = mkdtempSync(join(tmpdir(), 'sightline-bullmq-videos-'));
  db = openVideoDb(join(dataDir, 'sightline.db'));
  files = new DiskVideoFiles(dataDir);
  queue = await createBullmqQueue({
    redisUrl: redis.url,
    concurrency: 1,
    run: null,
    progress: { publish: (p) => events.push(p), subscribe: () => () => undefined },
    log: createLogger({ level: 'error' }),
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await queue?.close();
  db?.close();
  await redis?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('BullMQ ingest with two worker processes (real Redis, real ffmpeg, SQLite, tiny models)', () => {
  it('two workers share the queue: every video becomes ready, both took jobs, progress reaches this process', async () => {
    const a = startWorker();
    const b = startWorker();
    await Promise.all([
      a.waitFor('ingest worker is taking jobs', 120_000),
      b.waitFor('ingest worker is taking jobs', 120_000),
    ]);
    const ids = ['qa1', 'qa2', 'qa3', 'qa4'];
    for (const id of ids) addVideo(id, shortVideo());
    for (const id of ids) await queue.enqueue(id);
    await until(() => ids.every((id) => statusOf(id) === 'ready'), 'all ready', 240_000);
    // The row turns ready in the worker before its `completed` event crosses Redis to this process.
    const lastEvent = (id: string) => events.filter((e) => e.videoId === id).at(-1);
    await until(() => ids.every((id) => lastEvent(id)?.status === 'ready'), 'the ready events', 30_000);
    for (const id of ids) {
      expect(ids.filter((v) => took(a, v) || took(b, v))).toContain(id);
      const mine = events.filter((e) => e.videoId === id);
      expect(mine.some((e) => e.status === 'ingesting')).toBe(true);
      expect(mine.at(-1)).toMatchObject({ status: 'ready', percent: 100 });
    }
    expect(ids.some((id) => took(a, id))).toBe(true);
    expect(ids.some((id) => took(b, id))).toBe(true);
  }, 300_000);

  it('a worker SIGKILLed mid-ingest: the other resumes the job from the last committed stage and completes', async () => {
    const [a, b] = workers as [Spawned, Spawned];
    addVideo('crash1', stationVideo());
    await queue.enqueue('crash1');
    const victim = await until(
      () => (took(a, 'crash1') ? a : took(b, 'crash1') ? b : null),
      'a worker',
      60_000,
    );
    const survivor = victim === a ? b : a;
    await until(() => stagesOf('crash1').some((s) => s.stage === 'frames'), 'frames committed', 120_000);
    await victim.kill('SIGKILL');
    const before = stagesOf('crash1');
    expect(statusOf('crash1')).not.toBe('ready');

    // BullMQ's stalled check (lock 10 s + check every 5 s) hands the job to the survivor.
    await until(() => statusOf('crash1') === 'ready', 'crash1 ready', 240_000);
    expect(took(survivor, 'crash1')).toBe(true);
    const after = stagesOf('crash1');
    for (const s of before) expect(after).toContainEqual(s); // committed stages were not run again
    expect(after.map((s) => s.stage)).toEqual(['probe', 'frames', 'audio', 'features', 'ocr', 'index']);
    await until(
      () => events.filter((e) => e.videoId === 'crash1').at(-1)?.status === 'ready',
      'the ready event of crash1 in this process',
      30_000,
    );
  }, 400_000);
});
