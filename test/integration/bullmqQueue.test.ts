import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../core/log.js';
import { SightlineError } from '../../protocol/errors.js';
import type { IngestProgress, VideoStage } from '../../protocol/video.js';
import { type BullmqQueueOptions, createBullmqQueue } from '../../server/video/queue/bullmq.js';
import { abortCauseOf } from '../../server/video/queue/bullmqWire.js';
import type { IngestJobFn } from '../../server/video/queue/job.js';
import type { IngestQueue, ProgressBus } from '../../server/video/types.js';
import { committedStages, fakeIngest } from '../helpers/fakeIngest.js';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/server.js';

/** A ProgressBus that keeps every event (the web process's view in these tests). */
class RecordingBus implements ProgressBus {
  readonly events: IngestProgress[] = [];
  readonly #listeners = new Set<{ id: string; fn: (p: IngestProgress) => void }>();
  publish(p: IngestProgress): void {
    this.events.push(p);
    for (const l of this.#listeners) if (l.id === '*' || l.id === p.videoId) l.fn(p);
  }
  subscribe(id: string, fn: (p: IngestProgress) => void): () => void {
    const entry = { id, fn };
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }
  of(videoId: string): IngestProgress[] {
    return this.events.filter((e) => e.videoId === videoId);
  }
  final(videoId: string): IngestProgress | undefined {
    return this.of(videoId).find(
      (e) => e.status === 'ready' || e.status === 'failed' || e.status === 'cancelled',
    );
  }
}

interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}
function captured(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    log: createLogger({ level: 'debug', write: (l) => lines.push(JSON.parse(l) as LogLine) }),
  };
}

/** waitFor with the check first and the description second, as these tests read. */
const until = <T>(check: Parameters<typeof waitFor<T>>[0], what: string, timeoutMs = 20_000) =>
  waitFor(check, timeoutMs, what);

/** A promise that settles when the signal aborts (rejecting as the real ingest does): an ingest held mid-stage. */
function holdUntilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((_, reject) => {
    const fail = () => reject(new SightlineError('ERR_ABORTED'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

let redis: TestRedis;
let storeDir: string;
const queues: IngestQueue[] = [];
const children: ChildProcess[] = [];
let seq = 0;
let queueName = '';

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all(queues.splice(0).map((q) => q.close()));
  rmSync(storeDir, { recursive: true, force: true });
});

function fresh(): void {
  seq += 1;
  queueName = `test-${process.pid}-${seq}`;
  storeDir = mkdtempSync(join(tmpdir(), 'sightline-fake-ingest-'));
}

async function open(
  run: IngestJobFn | null,
  progress: ProgressBus,
  extra: Partial<BullmqQueueOptions> = {},
): Promise<IngestQueue> {
  const q = await createBullmqQueue({
    redisUrl: redis.url,
    concurrency: 1,
    run,
    progress,
    log: createLogger({ level: 'error' }),
    queueName,
    lockDurationMs: 1000,
    stalledIntervalMs: 500,
    ...extra,
  });
  queues.push(q);
  return q;
}

describe('BullMQ ingest queue on a real Redis', () => {
  it('runs a job on a worker; its progress reaches a process that only enqueues, ending ready at 100 %', async () => {
    fresh();
    const web = new RecordingBus();
    const webQueue = await open(null, web);
    const fake = fakeIngest({ storeDir });
    await open(fake.run, new RecordingBus());
    expect(webQueue.kind).toBe('bullmq');

    await webQueue.enqueue('vid1');
    const final = await until(() => web.final('vid1'), 'vid1 ready');
    expect(final).toMatchObject({ status: 'ready', percent: 100, error: null });
    const ingesting = web.of('vid1').filter((e) => e.status === 'ingesting');
    expect(new Set(ingesting.map((e) => e.stage))).toEqual(
      new Set(['probe', 'frames', 'audio', 'features', 'ocr', 'index']),
    );
    const percents = ingesting.map((e) => e.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(committedStages(storeDir, 'vid1')).toHaveLength(6);
  });

  it('enqueue is idempotent while a job waits or runs; a finished job can be queued again', async () => {
    fresh();
    const web = new RecordingBus();
    const webQueue = await open(null, web);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const fake = fakeIngest({ storeDir, onStage: (_v, stage) => (stage === 'probe' ? gate : undefined) });
    await webQueue.enqueue('twice');
    await webQueue.enqueue('twice');
    await open(fake.run, new RecordingBus());
    await until(() => fake.records.length === 1, 'the job to start');
    await webQueue.enqueue('twice');
    release();
    await until(() => web.final('twice'), 'ready');
    expect(fake.records).toHaveLength(1);

    await webQueue.enqueue('twice');
    await until(() => fake.records.length === 2 && fake.records[1]?.outcome === 'ready', 'the second run');
    expect(fake.records[1]?.ran).toEqual([]);
  });

  it('two workers share the queue: both take jobs, each video runs once', async () => {
    fresh();
    const web = new RecordingBus();
    const webQueue = await open(null, web);
    const started = new Set<string>();
    let bothBusy: () => void = () => undefined;
    const twoHeld = new Promise<void>((r) => {
      bothBusy = r;
    });
    // Each worker runs one job at a time: two jobs held at once are on two workers.
    const onStage = (videoId: string, stage: VideoStage) => {
      if (stage !== 'probe') return;
      started.add(videoId);
      if (started.size >= 2) bothBusy();
      return started.size <= 2 ? twoHeld : undefined;
    };
    const a = fakeIngest({ storeDir, onStage });
    const b = fakeIngest({ storeDir, onStage });
    await open(a.run, new RecordingBus(), { workerName: 'a' });
    await open(b.run, new RecordingBus(), { workerName: 'b' });
    const ids = ['s1', 's2', 's3', 's4', 's5'];
    for (const id of ids) await webQueue.enqueue(id);
    await until(() => ids.every((id) => web.final(id)?.status === 'ready'), 'all ready');
    expect(a.records.length).toBeGreaterThan(0);
    expect(b.records.length).toBeGreaterThan(0);
    const ran = [...a.records, ...b.records].map((r) => r.videoId).sort();
    expect(ran).toEqual(ids);
  });

  it('cancel removes a waiting job and aborts a running one in another process; unknown ids: false', async () => {
    fresh();
    const web = new RecordingBus();
    const webQueue = await open(null, web);
    const fake = fakeIngest({
      storeDir,
      onStage: (videoId, stage, signal) =>
        videoId === 'running' && stage === 'frames' && fake.records.length === 1
          ? holdUntilAborted(signal)
          : undefined,
    });
    await open(fake.run, new RecordingBus());
    await webQueue.enqueue('running');
    await until(() => fake.records[0]?.ran.includes('frames'), 'the job held in frames');
    await webQueue.enqueue('waiting');

    expect(await webQueue.cancel('waiting')).toBe(true);
    expect(web.final('waiting')?.status).toBe('cancelled');
    expect(await webQueue.cancel('running')).toBe(true);
    await until(() => web.final('running'), 'running cancelled');
    expect(web.final('running')?.status).toBe('cancelled');
    expect(abortCauseOf(fake.records[0]?.abortReason)).toBe('cancel');
    expect(await webQueue.cancel('no-such-video')).toBe(false);
    expect(await webQueue.cancel('running')).toBe(false);

    // Queued again after a cancel: it is not cancelled at once, and it resumes after `probe`.
    await webQueue.enqueue('running');
    await until(() => fake.records.find((r) => r.videoId === 'running' && r.outcome === 'ready'), 'rerun');
    expect(fake.records.find((r) => r.videoId === 'running' && r.outcome === 'ready')?.ran[0]).toBe('frames');
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.records.some((r) => r.videoId === 'waiting')).toBe(false);
  });

  it('an ingest error reaches every process as failed, with its code', async () => {
    fresh();
    const web = new RecordingBus();
    const failed: [string, string][] = [];
    const webQueue = await open(null, web, { onFailed: (id, e) => failed.push([id, e.code]) });
    const fake = fakeIngest({
      storeDir,
      failAt: (_v, stage) =>
        stage === 'audio'
          ? new SightlineError('ERR_VIDEO_UNREADABLE', 'the audio stream is truncated')
          : null,
    });
    await open(fake.run, new RecordingBus());
    await webQueue.enqueue('bad');
    const final = await until(() => web.final('bad'), 'failed');
    expect(final.status).toBe('failed');
    expect(final.error).toMatchObject({
      code: 'ERR_VIDEO_UNREADABLE',
      message: 'the audio stream is truncated',
    });
    expect(committedStages(storeDir, 'bad')).toEqual(['probe', 'frames']);
    // The web process is told too, so a failure no job function recorded still reaches the row.
    expect(failed).toEqual([['bad', 'ERR_VIDEO_UNREADABLE']]);
  });

  it('close aborts a running ingest and hands it back; the next worker resumes at the first uncommitted stage', async () => {
    fresh();
    const web = new RecordingBus();
    const webQueue = await open(null, web);
    const first = fakeIngest({
      storeDir,
      onStage: (_v, stage, signal) => (stage === 'features' ? holdUntilAborted(signal) : undefined),
    });
    // Locks far longer than the test: the job can only come back through the hand-back, never as a stalled job.
    const slowStall = { lockDurationMs: 60_000, stalledIntervalMs: 60_000 };
    const w1 = await open(first.run, new RecordingBus(), slowStall);
    await webQueue.enqueue('handback');
    await until(() => first.records[0]?.ran.includes('features'), 'held in features');
    await w1.close();
    expect(abortCauseOf(first.records[0]?.abortReason)).toBe('shutdown');
    await until(() => web.of('handback').some((e) => e.status === 'queued'), 'queued again');
    expect(web.final('handback')).toBeUndefined();

    const second = fakeIngest({ storeDir });
    await open(second.run, new RecordingBus(), slowStall);
    await until(() => web.final('handback'), 'ready', 10_000);
    expect(web.final('handback')?.status).toBe('ready');
    expect(second.records[0]?.ran).toEqual(['features', 'ocr', 'index']);
  });

  it('a SIGKILLed worker process: its job stalls and another worker resumes it from the last committed stage', async () => {
    fresh();
    const web = new RecordingBus();
    const webQueue = await open(null, web);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../helpers/bullmqChildWorker.ts')],
      {
        env: {
          ...process.env,
          REDIS_URL: redis.url,
          QUEUE_NAME: queueName,
          STORE_DIR: storeDir,
          HOLD_AT: 'audio',
          LOCK_MS: '1000',
          STALLED_MS: '500',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    await until(() => out.includes('ready\n'), 'the child worker', 30_000);
    await webQueue.enqueue('killed');
    await until(() => out.includes('held killed\n'), 'the child to hold the job in audio');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(committedStages(storeDir, 'killed')).toEqual(['probe', 'frames']);
    expect(web.final('killed')).toBeUndefined();

    const survivor = fakeIngest({ storeDir });
    await open(survivor.run, new RecordingBus(), { workerName: 'survivor' });
    await until(() => web.final('killed'), 'ready after the stall', 20_000);
    expect(web.final('killed')?.status).toBe('ready');
    expect(survivor.records.map((r) => r.ran)).toEqual([['audio', 'features', 'ocr', 'index']]);
  });

  it('Redis unreachable: one clear log line and ERR_QUEUE_UNAVAILABLE; a bad URL: ERR_CONFIG', async () => {
    fresh();
    const { log, lines } = captured();
    const port = await freePort();
    const error = await createBullmqQueue({
      redisUrl: `redis://:hunter2@127.0.0.1:${port}`,
      concurrency: 1,
      run: null,
      progress: new RecordingBus(),
      log,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SightlineError);
    expect(error).toMatchObject({ code: 'ERR_QUEUE_UNAVAILABLE', retryable: true });
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect((error as Error).message).not.toContain('hunter2');
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors)).not.toContain('hunter2');

    for (const redisUrl of ['http://127.0.0.1:6379', 'not a url']) {
      await expect(
        createBullmqQueue({ redisUrl, concurrency: 1, run: null, progress: new RecordingBus(), log }),
      ).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    }
  });

  it('Redis going away: enqueue fails fast with ERR_QUEUE_UNAVAILABLE, the outage is logged once, close still returns', async () => {
    fresh();
    const own = await startRedis();
    const { log, lines } = captured();
    try {
      const q = await createBullmqQueue({
        redisUrl: own.url,
        concurrency: 1,
        run: fakeIngest({ storeDir }).run,
        progress: new RecordingBus(),
        log,
        queueName,
      });
      await own.stop();
      await until(() => lines.some((l) => l.msg.includes('lost the Redis connection')), 'the outage line');
      await expect(q.enqueue('offline')).rejects.toMatchObject({ code: 'ERR_QUEUE_UNAVAILABLE' });
      await new Promise((r) => setTimeout(r, 2500)); // ioredis retries meanwhile (1 s, then e², …)
      const outage = lines.filter((l) => l.msg.includes('lost the Redis connection'));
      const perComponent = new Map<string, number>();
      for (const l of outage)
        perComponent.set(String(l.component), (perComponent.get(String(l.component)) ?? 0) + 1);
      expect([...perComponent.values()].every((n) => n === 1)).toBe(true);
      await q.close();
    } finally {
      await own.stop();
    }
  });

  it('close leaves no Redis connection behind', async () => {
    fresh();
    const admin = new Redis(redis.url);
    try {
      const clients = async () =>
        String(await admin.call('CLIENT', 'LIST'))
          .trim()
          .split('\n').length;
      const before = await clients();
      const web = new RecordingBus();
      const webQueue = await createBullmqQueue({
        redisUrl: redis.url,
        concurrency: 2,
        run: null,
        progress: web,
        log: createLogger({ level: 'error' }),
        queueName,
      });
      const worker = await createBullmqQueue({
        redisUrl: redis.url,
        concurrency: 2,
        run: fakeIngest({ storeDir }).run,
        progress: new RecordingBus(),
        log: createLogger({ level: 'error' }),
        queueName,
      });
      await webQueue.enqueue('c1');
      await until(() => web.final('c1'), 'ready');
      expect(await clients()).toBeGreaterThan(before);
      await Promise.all([webQueue.close(), worker.close()]);
      await webQueue.close();
      await until(async () => (await clients()) === before, 'connections closed').catch(async () => {
        throw new Error(`open connections after close: ${String(await admin.call('CLIENT', 'LIST'))}`);
      });
      await expect(webQueue.enqueue('late')).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' });
    } finally {
      admin.disconnect();
    }
  });
});
