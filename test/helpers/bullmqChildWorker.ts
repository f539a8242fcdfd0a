/**
 * A worker process for the BullMQ queue tests, killed on purpose: it runs the
 * fake ingest, and when a job reaches the stage HOLD_AT it prints
 * `held <videoId>` and holds there (never returning, as a process busy or
 * frozen would) until the test SIGKILLs it.
 *
 * Env: REDIS_URL, QUEUE_NAME, STORE_DIR, HOLD_AT, LOCK_MS, STALLED_MS.
 */
import { createLogger } from '../../core/log.js';
import type { IngestProgress, VideoStage } from '../../protocol/video.js';
import { createBullmqQueue } from '../../server/video/queue/bullmq.js';
import { fakeIngest } from './fakeIngest.js';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`bullmqChildWorker needs ${name}`);
  return v;
}

const holdAt = env('HOLD_AT') as VideoStage;
const { run } = fakeIngest({
  storeDir: env('STORE_DIR'),
  onStage: (videoId, stage) => {
    if (stage !== holdAt) return;
    process.stdout.write(`held ${videoId}\n`);
    return new Promise<void>(() => undefined);
  },
});
await createBullmqQueue({
  redisUrl: env('REDIS_URL'),
  queueName: env('QUEUE_NAME'),
  concurrency: 1,
  run,
  progress: { publish: (_p: IngestProgress) => undefined, subscribe: () => () => undefined },
  log: createLogger({ level: 'warn' }),
  lockDurationMs: Number(env('LOCK_MS')),
  stalledIntervalMs: Number(env('STALLED_MS')),
  workerName: 'child',
});
process.stdout.write('ready\n');
