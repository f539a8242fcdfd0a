import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { VideoFrame } from '../../core/media.js';
import type { LlmVideoFrame, VisionEncoder } from '../../models/roles/llm.js';
import type { Ocr } from '../../models/roles/ocr.js';
import { SightlineError } from '../../protocol/errors.js';
import { abortable } from '../core/abortable.js';
import type { MetricsSink } from '../core/metrics.js';
import { CHANGE_GATE_DEFAULTS, ChangeGate, type ChangeGateOptions } from './changeGate.js';
import { COMPRESSOR_DEFAULTS, type CompressorOptions, TokenCompressor } from './compressor.js';
import { LatestQueue } from './encodeQueue.js';
import { OCR_READER_DEFAULTS, OcrReader, type OcrReaderOptions } from './ocrReader.js';
import type { OcrReading, VisualContext, WatchStats } from './visualContext.js';

/** Every setting of the watch lane. */
export interface WatchOptions extends ChangeGateOptions, CompressorOptions {
  ocr: OcrReaderOptions;
  /**
   * Without an encoder, a passed frame whose thumbnail moved this much (mean grey levels)
   * starts a new scene (the frame budget keeps one frame per scene as long as it can).
   * Default 24: unrelated pictures differ by 30–80, a person moving in a still room by ~5–15.
   */
  imageSceneDiff: number;
}

/** The documented defaults of {@link WatchOptions}. */
export const WATCH_DEFAULTS: Readonly<WatchOptions> = Object.freeze({
  ...CHANGE_GATE_DEFAULTS,
  ...COMPRESSOR_DEFAULTS,
  ocr: OCR_READER_DEFAULTS,
  imageSceneDiff: 24,
});

/** Settings a caller overrides; the OCR reader's one by one too. */
export type WatchOverrides = Partial<Omit<WatchOptions, 'ocr'>> & { ocr?: Partial<OcrReaderOptions> };

type Frame = VideoFrame;

/**
 * The watch lane of one call: camera frames → change gate → encode queue (one
 * encode in flight, the newest frame waiting) → vision encoder → temporal token
 * compressor, with OCR on the frames the compressor kept. Without an encoder the
 * gate's frames are kept as images under the frame budget. What it holds is read
 * by the dialog through {@link VisualContext}.
 */
export class Watcher implements VisualContext {
  readonly options: Readonly<WatchOptions>;
  readonly #vision: VisionEncoder | null;
  readonly #ocr: Ocr | null;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #metrics: MetricsSink;
  readonly #gate: ChangeGate;
  readonly #compressor: TokenCompressor;
  #latest: Frame | null = null;
  #framesIn = 0;
  #framesKept = 0;
  #framesEncoded = 0;
  #encodeQueue: LatestQueue<Frame> | null = null;
  #ocrReader: OcrReader | null = null;

  constructor(o: {
    vision: VisionEncoder | null;
    ocr: Ocr | null;
    clock: Clock;
    log: Logger;
    metrics: MetricsSink;
    options?: WatchOverrides;
  }) {
    this.options = { ...WATCH_DEFAULTS, ...o.options, ocr: { ...OCR_READER_DEFAULTS, ...o.options?.ocr } };
    this.#vision = o.vision;
    this.#ocr = o.ocr;
    this.#clock = o.clock;
    this.#log = o.log;
    this.#metrics = o.metrics;
    this.#gate = new ChangeGate(this.options);
    this.#compressor = new TokenCompressor(o.vision, this.options);
  }

  /** The gate samples faster while the person speaks (`maxFps`) than while nobody does (`idleFps`). */
  setUserSpeaking(speaking: boolean): void {
    this.#gate.setUserSpeaking(speaking);
  }

  /**
   * Consumes the video tap until it ends (then waits for the encode and the OCR
   * read in progress) or `signal` aborts (rejects with ERR_ABORTED). Call once.
   */
  async run(frames: AsyncIterable<VideoFrame>, signal: AbortSignal): Promise<void> {
    if (this.#encodeQueue || this.#ocrReader)
      throw new SightlineError('ERR_INVALID_STATE', 'Watcher.run was already called');
    const vision = this.#vision;
    const encodeQueue = vision
      ? new LatestQueue<Frame>({
          process: (f, s) => this.#encode(vision, f, s),
          signal,
          log: this.#log,
          clock: this.#clock,
          label: 'vision encode',
        })
      : null;
    this.#encodeQueue = encodeQueue;
    this.#ocrReader = this.#ocr
      ? new OcrReader({
          ocr: this.#ocr,
          clock: this.#clock,
          log: this.#log,
          metrics: this.#metrics,
          signal,
          options: this.options.ocr,
        })
      : null;
    for await (const frame of abortable(frames, signal, this.#log)) {
      this.#latest = frame;
      this.#framesIn++;
      const d = this.#gate.offer(frame);
      if (!d.pass) continue;
      this.#framesKept++;
      if (encodeQueue) encodeQueue.offer(frame);
      else {
        this.#compressor.addImage(frame, d.meanDiff >= this.options.imageSceneDiff);
        this.#ocrReader?.offer(frame);
      }
    }
    await encodeQueue?.idle();
    await this.#ocrReader?.idle();
  }

  async #encode(vision: VisionEncoder, frame: Frame, signal: AbortSignal): Promise<void> {
    const t0 = this.#clock.nowMs();
    const rows = await vision.encodeFrame(frame, { signal });
    this.#framesEncoded++;
    const r = this.#compressor.add(frame, rows);
    this.#log.debug('frame encoded', {
      ptsMs: frame.ptsMs,
      encodeMs: this.#clock.nowMs() - t0,
      kept: r.kept,
      merged: r.merged,
      sceneStart: r.sceneStart,
      tokensDropped: r.tokensDropped,
    });
    if (r.kept > 0) this.#ocrReader?.offer(frame);
  }

  frames(): LlmVideoFrame[] {
    return this.#compressor.frames();
  }

  ocr(): OcrReading[] {
    return this.#ocrReader?.readings() ?? [];
  }

  latestFrame(): VideoFrame | null {
    return this.#latest;
  }

  stats(): WatchStats {
    const c = this.#compressor.stats();
    return {
      framesIn: this.#framesIn,
      framesKept: this.#framesKept,
      framesSuperseded: this.#encodeQueue?.stats().superseded ?? 0,
      framesEncoded: this.#framesEncoded,
      tokensKept: c.tokensInContext,
      tokensMerged: c.tokensMerged,
      tokensSent: c.tokensKept,
      tokensDropped: c.tokensDropped,
      framesInContext: c.framesInContext,
      scenes: c.scenes,
      encodeFailures: this.#encodeQueue?.stats().failed ?? 0,
    };
  }
}
