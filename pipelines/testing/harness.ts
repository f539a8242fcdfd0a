import { ManualClock } from '../../core/clock.js';
import { type Logger, silentLogger } from '../../core/log.js';
import { ModelError } from '../../models/runtime/errors.js';
import { MemoryMetrics } from '../core/metrics.js';
import { sleep } from '../core/sleep.js';
import type { Stage, StageContext } from '../core/stage.js';

/** An input item and the clock time (ms) it is offered to the stage. */
export interface ScriptedItem<T> {
  atMs: number;
  item: T;
}

/** An output item and the clock time (ms) the stage produced it. */
export interface TimedItem<T> {
  atMs: number;
  item: T;
}

export interface RunStageOptions {
  /** Default: a new ManualClock at 0. */
  clock?: ManualClock;
  /** How far time moves per step (the resolution of the output times); default 1 ms. */
  stepMs?: number;
  /** Give up (abort, `timedOut: true`) when the stage has not ended this long after the start; default 60 s. */
  maxMs?: number;
  /** Abort the stage's signal at this clock time (a barge-in). */
  abortAtMs?: number;
  log?: Logger;
}

/** What a stage did with its scripted input. */
export interface StageRun<Out> {
  outputs: TimedItem<Out>[];
  /** What the stage threw, if it did. */
  error: unknown;
  /** Clock time the output ended (or the run was given up). */
  endMs: number;
  timedOut: boolean;
  metrics: MemoryMetrics;
  /** Clock time each input item was pulled by the stage, in order. */
  pulledAtMs: number[];
}

/** Lets every pending promise continuation run before time moves again. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs `stage` on scripted input under a ManualClock (after pipecat's
 * `run_test`): each input item becomes available at its `atMs`, time moves in
 * `stepMs` steps with every continuation run in between, and each output is
 * stamped with the clock time it came out. With fakes driven by the same
 * clock the run is deterministic. Work that waits on real I/O does not hold
 * the clock back: use the harness for fakes and pure stages.
 */
export async function runStage<In, Out>(
  stage: Stage<In, Out>,
  input: readonly ScriptedItem<In>[],
  options: RunStageOptions = {},
): Promise<StageRun<Out>> {
  const clock = options.clock ?? new ManualClock(0);
  const stepMs = options.stepMs ?? 1;
  const startMs = clock.nowMs();
  const maxMs = options.maxMs ?? 60_000;
  const controller = new AbortController();
  const metrics = new MemoryMetrics();
  const ctx: StageContext = {
    signal: controller.signal,
    clock,
    log: options.log ?? silentLogger,
    metrics,
  };
  const script = [...input].sort((a, b) => a.atMs - b.atMs);
  const pulledAtMs: number[] = [];
  async function* feed(): AsyncGenerator<In> {
    for (const { atMs, item } of script) {
      if (atMs > clock.nowMs()) await sleep(clock, atMs - clock.nowMs());
      pulledAtMs.push(clock.nowMs());
      yield item;
    }
  }
  const outputs: TimedItem<Out>[] = [];
  let error: unknown;
  let done = false;
  const run = (async () => {
    try {
      for await (const item of stage(feed(), ctx)) outputs.push({ atMs: clock.nowMs(), item });
    } catch (e) {
      error = e;
    } finally {
      done = true;
    }
  })();
  if (options.abortAtMs !== undefined) {
    clock.setTimer(
      () => controller.abort(new ModelError('ERR_ABORTED', 'aborted by the harness')),
      options.abortAtMs - startMs,
    );
  }
  let timedOut = false;
  for (;;) {
    await settle();
    if (done) break;
    const elapsedMs = clock.nowMs() - startMs;
    if (elapsedMs >= maxMs && !timedOut) {
      timedOut = true;
      controller.abort(new ModelError('ERR_ABORTED', `the stage did not end within ${maxMs} ms`));
      continue;
    }
    // A stage that ignores its signal is left behind rather than awaited forever.
    if (elapsedMs >= maxMs + 1000) break;
    clock.advance(stepMs);
  }
  if (done) await run;
  return { outputs, error, endMs: clock.nowMs(), timedOut, metrics, pulledAtMs };
}
