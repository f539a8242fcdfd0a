import type { Clock } from '../../core/clock.js';
import type { LogFields, Logger } from '../../core/log.js';
import type { MetricsSink } from './metrics.js';

/**
 * What every stage is given besides its input: when to stop, what time it
 * is, where to log and where to report metrics.
 */
export interface StageContext {
  /** Aborts the stage: it stops pulling input and ends with ERR_ABORTED. */
  signal: AbortSignal;
  clock: Clock;
  log: Logger;
  metrics: MetricsSink;
}

/**
 * A stage turns one stream into another. It pulls its input lazily (a slow
 * consumer slows the producer) and checks `ctx.signal` per item. Convert to
 * Web or Node streams only at the edges.
 */
export type Stage<In, Out> = (input: AsyncIterable<In>, ctx: StageContext) => AsyncIterable<Out>;

/** The same context with another signal (a turn's) and, optionally, more bound log fields. */
export function withSignal(ctx: StageContext, signal: AbortSignal, logBindings?: LogFields): StageContext {
  return { ...ctx, signal, log: logBindings ? ctx.log.child(logBindings) : ctx.log };
}
