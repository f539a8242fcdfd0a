import { describe, expect, it } from 'vitest';
import { sleep } from '../../../../pipelines/core/sleep.js';
import type { Stage } from '../../../../pipelines/core/stage.js';
import { runStage } from '../../../../pipelines/testing/harness.js';

/** Doubles each number after `delayMs` of work on the stage's clock. */
const slowDouble = (delayMs: number): Stage<number, number> =>
  async function* (input, ctx) {
    for await (const n of input) {
      await sleep(ctx.clock, delayMs, ctx.signal);
      yield n * 2;
    }
  };

describe('runStage: scripted input, timed output', () => {
  it('offers each item at its time and stamps each output with the clock time it came out', async () => {
    const run = await runStage(slowDouble(30), [
      { atMs: 100, item: 1 },
      { atMs: 0, item: 0 },
      { atMs: 110, item: 2 },
    ]);
    expect(run.error).toBeUndefined();
    expect(run.pulledAtMs).toEqual([0, 100, 130]);
    expect(run.outputs).toEqual([
      { atMs: 30, item: 0 },
      { atMs: 130, item: 2 },
      { atMs: 160, item: 4 },
    ]);
    expect(run.endMs).toBe(160);
    expect(run.timedOut).toBe(false);
  });

  it('aborts the stage signal at abortAtMs and reports what the stage threw', async () => {
    const run = await runStage(
      slowDouble(30),
      [
        { atMs: 0, item: 1 },
        { atMs: 0, item: 2 },
      ],
      { abortAtMs: 45 },
    );
    expect(run.outputs).toEqual([{ atMs: 30, item: 2 }]);
    expect(run.error).toMatchObject({ code: 'ERR_ABORTED' });
    expect(run.endMs).toBe(45);
  });

  it('collects the metrics the stage reports', async () => {
    const stage: Stage<number, number> = async function* (input, ctx) {
      for await (const n of input) {
        ctx.metrics.emit({ type: 'ocr', atMs: ctx.clock.nowMs(), label: 't', durationMs: 0, lines: n });
        yield n;
      }
    };
    const run = await runStage(stage, [
      { atMs: 5, item: 3 },
      { atMs: 9, item: 4 },
    ]);
    expect(run.metrics.ofType('ocr').map((m) => [m.atMs, m.lines])).toEqual([
      [5, 3],
      [9, 4],
    ]);
  });

  it('gives up on a stage that never ends: aborts it at maxMs and says so', async () => {
    const never: Stage<number, number> = async function* (_input, ctx) {
      await sleep(ctx.clock, 1_000_000, ctx.signal);
      yield 0;
    };
    const run = await runStage(never, [], { maxMs: 200, stepMs: 10 });
    expect(run.timedOut).toBe(true);
    expect(run.error).toMatchObject({ code: 'ERR_ABORTED' });
    expect(run.endMs).toBe(200);
  });
});
