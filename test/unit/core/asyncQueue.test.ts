import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../../core/asyncQueue.js';

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

  it('keeps memory bounded over a long stream', async () => {
    const q = new AsyncQueue<number>(4);
    for (let i = 0; i < 100_000; i++) {
      q.push(i);
      if (i % 2 === 0) await q.next();
    }
    expect(q.size).toBeLessThanOrEqual(4);
  });
});
