import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../../core/asyncQueue.js';

/** The unit project runs without --expose-gc; V8 hands out `gc` to a new context once the flag is set. */
function gcFunction(): () => void {
  if (typeof globalThis.gc === 'function') return globalThis.gc as () => void;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
const collectGarbage = gcFunction();

function heapUsedMb(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 1e6;
}

describe('AsyncQueue', () => {
  it('delivers in order to a waiting reader and to a later one', async () => {
    const q = new AsyncQueue<number>(10);
    const first = q.next();
    q.push(1);
    q.push(2);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await q.next()).toEqual({ value: 2, done: false });
  });

  it('drops the oldest items beyond capacity and counts them', async () => {
    const q = new AsyncQueue<number>(3);
    for (let i = 0; i < 10; i++) q.push(i);
    q.close();
    const got: number[] = [];
    for await (const v of q) got.push(v);
    expect(got).toEqual([7, 8, 9]);
    expect(q.dropped).toBe(7);
  });

  it('ends a pending read on close and rethrows a close error after the buffered items', async () => {
    const q = new AsyncQueue<number>(3);
    const pending = q.next();
    q.close();
    expect(await pending).toEqual({ value: undefined, done: true });
    const q2 = new AsyncQueue<number>(3);
    q2.push(1);
    q2.close(new Error('boom'));
    expect(await q2.next()).toEqual({ value: 1, done: false });
    await expect(q2.next()).rejects.toThrow('boom');
  });

  it('compacts its backing store: heap stays flat over a long stream with a lagging reader', async () => {
    const q = new AsyncQueue<{ n: number }>(4);
    const before = heapUsedMb();
    // Half the items are read, half dropped: every slot the reader passes must be given back.
    for (let i = 0; i < 500_000; i++) {
      q.push({ n: i });
      if (i % 2 === 0) await q.next();
    }
    const grownMb = heapUsedMb() - before;
    expect(q.size).toBe(4);
    expect(q.dropped).toBeGreaterThan(200_000);
    // Without compaction the passed slots alone hold 500,000 x 8 bytes (4 MB); compacted, a few kB.
    expect(grownMb).toBeLessThan(1);
  });

  it('holds no reference to an item once it is read or dropped', async () => {
    const q = new AsyncQueue<object>(2);
    // In a function of its own, so that no frame of this test keeps the items alive.
    const passThrough = async () => {
      const read = { name: 'read' };
      const dropped = { name: 'dropped' };
      q.push(read);
      q.push(dropped);
      expect((await q.next()).value).toBe(read);
      q.push({ name: 'kept 1' });
      q.push({ name: 'kept 2' });
      return [new WeakRef(read), new WeakRef(dropped)] as const;
    };
    const [read, dropped] = await passThrough();
    expect(q.dropped).toBe(1);
    // A WeakRef target stays alive until the current job ends: collect on a later turn.
    await new Promise((r) => setTimeout(r, 0));
    collectGarbage();
    expect(read.deref()).toBeUndefined();
    expect(dropped.deref()).toBeUndefined();
    expect(q.size).toBe(2);
  });
});
