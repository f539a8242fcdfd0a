import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { LlmImage } from '../../models/roles/llm.js';
import type { Ocr } from '../../models/roles/ocr.js';
import type { MetricsSink } from '../core/metrics.js';
import { LatestQueue, type LatestQueueStats } from './encodeQueue.js';
import type { OcrReading } from './visualContext.js';

/** Settings of the OCR reader. */
export interface OcrReaderOptions {
  /** Smallest gap (clock ms) between the starts of two reads. */
  minIntervalMs: number;
  /** Readings kept (the newest). */
  maxReadings: number;
  /** Lines below this confidence (0–1) are left out. */
  minConfidence: number;
}

/** The documented defaults of {@link OcrReaderOptions}. */
export const OCR_READER_DEFAULTS: Readonly<OcrReaderOptions> = Object.freeze({
  minIntervalMs: 3000,
  maxReadings: 8,
  minConfidence: 0.5,
});

/**
 * Reads the text in kept frames at a bounded rate: at most one read every
 * `minIntervalMs`, never two in flight, the newest offered frame wins. A
 * reading whose text equals the last reading's is not added again; the last
 * `maxReadings` are kept. A failing read is logged and the reader goes on.
 */
export class OcrReader {
  readonly options: Readonly<OcrReaderOptions>;
  readonly #ocr: Ocr;
  readonly #queue: LatestQueue<LlmImage & { ptsMs: number }>;
  readonly #clock: Clock;
  readonly #metrics: MetricsSink;
  #readings: OcrReading[] = [];
  #lastText: string | null = null;

  constructor(o: {
    ocr: Ocr;
    clock: Clock;
    log: Logger;
    metrics: MetricsSink;
    signal: AbortSignal;
    options?: Partial<OcrReaderOptions>;
  }) {
    this.options = { ...OCR_READER_DEFAULTS, ...o.options };
    this.#ocr = o.ocr;
    this.#clock = o.clock;
    this.#metrics = o.metrics;
    this.#queue = new LatestQueue({
      process: (frame, signal) => this.#read(frame, signal),
      signal: o.signal,
      log: o.log,
      clock: o.clock,
      minIntervalMs: this.options.minIntervalMs,
      label: 'ocr read',
    });
  }

  /** Offers a kept frame; it replaces a frame still waiting for its read. */
  offer(frame: LlmImage & { ptsMs: number }): void {
    this.#queue.offer(frame);
  }

  /** Text read so far, oldest first, deduplicated. */
  readings(): OcrReading[] {
    return [...this.#readings];
  }

  queueStats(): LatestQueueStats {
    return this.#queue.stats();
  }

  /** Resolves once no read is in flight or waiting. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  async #read(frame: LlmImage & { ptsMs: number }, signal: AbortSignal): Promise<void> {
    const t0 = this.#clock.nowMs();
    const lines = await this.#ocr.read(frame, { signal });
    const atMs = this.#clock.nowMs();
    this.#metrics.emit({
      type: 'ocr',
      atMs,
      label: this.#ocr.name,
      durationMs: atMs - t0,
      lines: lines.length,
    });
    const text = lines
      .filter((l) => l.confidence >= this.options.minConfidence)
      .map((l) => l.text.trim())
      .filter((t) => t.length > 0)
      .join('\n');
    if (text === '' || text === this.#lastText) return;
    this.#lastText = text;
    this.#readings.push({ ptsMs: frame.ptsMs, text });
    if (this.#readings.length > this.options.maxReadings) this.#readings.shift();
  }
}
