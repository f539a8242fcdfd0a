/**
 * An ingest worker process (`npx sightline video worker`, `npm run worker`):
 * takes video ingests from the BullMQ queue on REDIS_URL, with the server's
 * configuration (SIGHTLINE_DATA_DIR must name the folder the web process
 * uses: both open its sightline.db, WAL mode, and its videos/ folder).
 * Runs INGEST_CONCURRENCY ingests at once (at least 1). SIGTERM/SIGINT drain:
 * running ingests stop and go back to the queue, resumed at their first
 * uncommitted stage by the next worker; a second signal exits at once.
 */
import { join } from 'node:path';
import { systemClock } from '../../../core/clock.js';
import { createLogger } from '../../../core/log.js';
import { remoteRolesFromEnv } from '../../../models/remote/fromEnv.js';
import { SightlineError } from '../../../protocol/errors.js';
import { loadModelSet } from '../../assistant/modelSet.js';
import { loadConfig } from '../../config.js';
import { openVideoDb } from '../db/open.js';
import { DiskVideoFiles } from '../files.js';
import { failedOutsideJob, makeIngestJob } from '../ingestJob.js';
import { LocalProgressBus } from '../progressBus.js';
import { createBullmqQueue } from '../queue/bullmq.js';

function fail(message: string): never {
  process.stderr.write(`sightline worker: ${message}\n`);
  process.exit(1);
}

/** Starts the worker; resolves once it takes jobs. Exits the process on a configuration or Redis problem. */
export async function runIngestWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const video = config.video;
  if (!video.redisUrl)
    fail('REDIS_URL is not set: a worker process takes its jobs from the BullMQ queue on Redis');
  const log = createLogger({ level: config.log.level, logContent: config.log.content }).child({
    process: 'ingest-worker',
    pid: process.pid,
  });
  process.on('unhandledRejection', (error) => log.error('unhandled rejection', { error }));

  const loaded = await loadModelSet({ config: config.assistant, log, remote: remoteRolesFromEnv(env) });
  const m = loaded.models;
  if (!m) {
    await loaded.dispose();
    fail(
      `the ingest models are not loaded (missing: ${loaded.status.missing.join(', ')}); ${loaded.status.fetchCommand ?? 'see the log'}`,
    );
  }
  const db = openVideoDb(join(video.dataDir, 'sightline.db'));
  const files = new DiskVideoFiles(video.dataDir);
  const progress = new LocalProgressBus(log);
  const run = makeIngestJob({
    db,
    files,
    models: { vad: m.vad, stt: m.stt, vision: m.vision, ocr: m.ocr, textImage: loaded.textImage },
    limits: { maxDurationMs: video.maxDurationMs },
    clock: systemClock,
    log,
    progress,
  });
  let queue: Awaited<ReturnType<typeof createBullmqQueue>>;
  try {
    queue = await createBullmqQueue({
      redisUrl: video.redisUrl,
      concurrency: Math.max(1, video.ingestConcurrency),
      run,
      progress,
      log,
      onFailed: failedOutsideJob({ db, files, log }),
    });
  } catch (error) {
    db.close();
    await loaded.dispose();
    fail(error instanceof SightlineError ? error.message : String(error));
  }
  log.info('ingest worker is taking jobs', {
    dataDir: video.dataDir,
    concurrency: Math.max(1, video.ingestConcurrency),
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info('ingest worker draining', { signal });
    queue
      .close()
      .then(() => loaded.dispose())
      .then(
        () => {
          db.close();
          process.exit(0);
        },
        (error: unknown) => {
          log.error('ingest worker shutdown failed', { error });
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runIngestWorker().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
}
