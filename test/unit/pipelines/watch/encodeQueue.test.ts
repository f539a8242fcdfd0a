import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/clock.js';
import { createLogger } from '../../../../core/log.js';
import { sleep } from '../../../../pipelines/core/sleep.js';
import { LatestQueue } from '../../../../pipelines/watch/encodeQueue.js';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A queue whose work takes `workMs` on a ManualClock; records starts, ends and the most runs at once. */
function setup(o: { workMs: number; minIntervalMs?: number; failOn?: string }) {
  const clock = new ManualClock(0);
  const controller = new AbortController();
  const log: string[] = [];
  const trace = { started: [] as [string, number][], done: [] as string[], running: 0, maxRunning: 0 };
  const queue = new LatestQueue<string>({
    process: async (item, signal) => {
      trace.started.push([item, clock.nowMs()]);
      trace.running++;
      trace.maxRunning = Math.max(trace.maxRunning, trace.running);
      try {
        await sleep(clock, o.workMs, signal);
        if (item === o.failOn) throw new Error('boom');
        trace.done.push(item);
      } finally {
        trace.running--;
      }
    },
    signal: controller.signal,
    log: createLogger({ level: 'warn', write: (l) => log.push(l) }),
    clock,
    minIntervalMs: o.minIntervalMs,
    label: 'test work',
  });
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      clock.advance(10);
      await settle();
    }
  };
  return { clock, controller, queue, trace, advance, log };
}

describe('LatestQueue', () => {
  it('runs one item at a time and keeps only the newest waiting one (the race of a slow encoder)', async () => {
    const { queue, trace, advance } = setup({ workMs: 700 });
    queue.offer('a');
    for (const item of ['b', 'c', 'd']) {
      await advance(100);
      queue.offer(item);
      expect(queue.stats()).toMatchObject({ inFlight: true, waiting: true });
    }
    await advance(1000);
    queue.offer('e');
    await advance(2000);
    expect(trace.started).toEqual([
      ['a', 0],
      ['d', 700],
      ['e', 1400],
    ]);
    expect(trace.maxRunning).toBe(1);
    expect(queue.stats()).toMatchObject({
      offered: 5,
      superseded: 2,
      processed: 3,
      failed: 0,
      inFlight: false,
    });
  });

  it('starts runs at most every minIntervalMs; the waiting item stays replaceable until then', async () => {
    const { queue, trace, advance } = setup({ workMs: 100, minIntervalMs: 3000 });
    for (let t = 0; t < 10_000; t += 500) {
      queue.offer(`f${t}`);
      await advance(500);
    }
    await advance(3000);
    expect(trace.started).toEqual([
      ['f0', 0],
      ['f2500', 3000],
      ['f5500', 6000],
      ['f8500', 9000],
      ['f9500', 12_000],
    ]);
  });

  it('logs a failed run and goes on', async () => {
    const { queue, trace, advance, log } = setup({ workMs: 50, failOn: 'bad' });
    queue.offer('bad');
    await advance(100);
    queue.offer('good');
    await advance(100);
    expect(trace.done).toEqual(['good']);
    expect(queue.stats()).toMatchObject({ processed: 1, failed: 1 });
    expect(log.join('')).toContain('test work failed');
  });

  it('on abort drops the waiting item, aborts the run in flight, starts nothing more and is idle', async () => {
    const { queue, trace, advance, controller, log } = setup({ workMs: 700 });
    queue.offer('a');
    queue.offer('b');
    await advance(100);
    const idle = queue.idle();
    controller.abort();
    await idle;
    await settle();
    queue.offer('c');
    await advance(2000);
    expect(trace.started.map(([item]) => item)).toEqual(['a']);
    expect(trace.done).toEqual([]);
    expect(queue.stats()).toMatchObject({ failed: 0, inFlight: false, waiting: false });
    expect(log).toEqual([]);
  });

  it('is idle at once when nothing was offered', async () => {
    const { queue } = setup({ workMs: 10 });
    await expect(queue.idle()).resolves.toBeUndefined();
  });
});
