import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../core/log.js';
import { SightlineError } from '../../../../protocol/errors.js';
import { createInProcessQueue } from '../../../../server/video/queue/inProcess.js';
import { IngestCancelled, type IngestJobFn, type IngestOutcome } from '../../../../server/video/queue/job.js';

/** A scripted job: each run waits until the test releases (or fails) it, or its signal aborts. */
function scriptedJobs() {
  const started: string[] = [];
  const pending = new Map<string, { resolve: () => void; reject: (e: unknown) => void }>();
  const seenSignals = new Map<string, AbortSignal>();
  const run: IngestJobFn = (videoId, signal) => {
    started.push(videoId);
    seenSignals.set(videoId, signal);
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(new SightlineError('ERR_ABORTED'));
        return;
      }
      pending.set(videoId, { resolve, reject });
      signal.addEventListener('abort', () => reject(new SightlineError('ERR_ABORTED')), { once: true });
    });
  };
  return { run, started, pending, seenSignals };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('createInProcessQueue', () => {
  it('runs at most `concurrency` jobs, first in first out, and reports each outcome', async () => {
    const jobs = scriptedJobs();
    const settled: [string, IngestOutcome][] = [];
    const queue = createInProcessQueue({
      run: jobs.run,
      concurrency: 2,
      log: silentLogger,
      onSettled: (id, outcome) => settled.push([id, outcome]),
    });
    for (const id of ['a', 'b', 'c', 'd']) await queue.enqueue(id);
    await queue.enqueue('a'); // already running: not twice
    await tick();
    expect(jobs.started).toEqual(['a', 'b']);
    jobs.pending.get('b')?.resolve();
    await tick();
    expect(jobs.started).toEqual(['a', 'b', 'c']);
    jobs.pending.get('a')?.reject(new SightlineError('ERR_VIDEO_UNREADABLE'));
    await tick();
    expect(jobs.started).toEqual(['a', 'b', 'c', 'd']);
    expect(settled).toEqual([
      ['b', 'ready'],
      ['a', 'failed'],
    ]);
    await queue.close();
  });

  it('cancel aborts a running job with IngestCancelled and waits for it; a waiting one runs at once, already cancelled', async () => {
    const jobs = scriptedJobs();
    const settled: [string, IngestOutcome][] = [];
    const queue = createInProcessQueue({
      run: jobs.run,
      concurrency: 1,
      log: silentLogger,
      onSettled: (id, outcome) => settled.push([id, outcome]),
    });
    await queue.enqueue('run');
    await queue.enqueue('wait');
    await tick();
    expect(await queue.cancel('wait')).toBe(true);
    expect(jobs.seenSignals.get('wait')?.reason).toBeInstanceOf(IngestCancelled);
    expect(await queue.cancel('run')).toBe(true);
    expect(jobs.seenSignals.get('run')?.reason).toBeInstanceOf(IngestCancelled);
    expect(settled).toEqual([
      ['wait', 'cancelled'],
      ['run', 'cancelled'],
    ]);
    expect(await queue.cancel('nothing')).toBe(false);
    await queue.close();
  });

  it('close aborts running jobs as a shutdown (outcome aborted), drops the waiting ones and refuses new work', async () => {
    const jobs = scriptedJobs();
    const settled: [string, IngestOutcome][] = [];
    const queue = createInProcessQueue({
      run: jobs.run,
      concurrency: 1,
      log: silentLogger,
      onSettled: (id, outcome) => settled.push([id, outcome]),
    });
    await queue.enqueue('one');
    await queue.enqueue('two');
    await tick();
    await queue.close();
    expect(settled).toEqual([['one', 'aborted']]);
    expect(jobs.started).toEqual(['one']);
    await expect(queue.enqueue('three')).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' });
  });

  it('a job waiting for models (ERR_ASSISTANT_UNAVAILABLE) settles as aborted, not failed', async () => {
    const settled: [string, IngestOutcome][] = [];
    const queue = createInProcessQueue({
      run: async () => {
        throw new SightlineError('ERR_ASSISTANT_UNAVAILABLE');
      },
      concurrency: 1,
      log: silentLogger,
      onSettled: (id, outcome) => settled.push([id, outcome]),
    });
    await queue.enqueue('x');
    await tick();
    await tick();
    expect(settled).toEqual([['x', 'aborted']]);
    await queue.close();
  });
});
