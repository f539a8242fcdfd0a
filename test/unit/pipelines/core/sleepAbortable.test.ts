import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/clock.js';
import { silentLogger } from '../../../../core/log.js';
import { abortable } from '../../../../pipelines/core/abortable.js';
import { sleep } from '../../../../pipelines/core/sleep.js';

const settle = () => new Promise<void>((r) => setImmediate(r));

describe('sleep on the injected clock', () => {
  it('resolves when the clock reaches the time, not before', async () => {
    const clock = new ManualClock(0);
    let done = false;
    const p = sleep(clock, 100).then(() => {
      done = true;
    });
    clock.advance(99);
    await settle();
    expect(done).toBe(false);
    clock.advance(1);
    await p;
    expect(done).toBe(true);
  });

  it('rejects with ERR_ABORTED on abort and leaves no timer or listener behind', async () => {
    const clock = new ManualClock(0);
    const ac = new AbortController();
    const p = sleep(clock, 100, ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(clock.pending).toBe(0);
    await sleep(clock, 0, ac.signal).catch((e: unknown) => expect(e).toMatchObject({ code: 'ERR_ABORTED' }));
    const ok = new AbortController();
    const q = sleep(clock, 5, ok.signal);
    clock.advance(5);
    await q;
    expect(getEventListeners(ok.signal, 'abort')).toHaveLength(0);
  });
});

describe('abortable', () => {
  it('passes items through and removes its listener after each one', async () => {
    const ac = new AbortController();
    async function* src() {
      yield 1;
      yield 2;
    }
    const out: number[] = [];
    for await (const v of abortable(src(), ac.signal, silentLogger)) {
      out.push(v);
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    }
    expect(out).toEqual([1, 2]);
  });

  it('rejects at once when aborted while the source is stuck, and asks the source to return', async () => {
    const ac = new AbortController();
    let released = false;
    let returned = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    async function* src() {
      try {
        yield 'a';
        await gate;
        released = true;
        yield 'b';
      } finally {
        returned = true;
      }
    }
    const it = abortable(src(), ac.signal, silentLogger);
    expect((await it.next()).value).toBe('a');
    const second = it.next();
    ac.abort();
    await expect(second).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(released).toBe(false);
    release();
    await settle();
    await settle();
    expect(returned).toBe(true);
  });
});
