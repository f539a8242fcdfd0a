import { systemClock } from '../../../core/clock.js';
import type { PcmChunk } from '../../../core/media.js';
import { chunkDurationMs, requireRate } from '../../../models/roles/pcm.js';
import type { Stt, SttResult, TranscribeRequestOptions } from '../../../models/roles/stt.js';
import { FakeCall, type FakeTiming } from './timing.js';

export interface FakeSttOptions extends FakeTiming {
  sampleRateHz?: number;
  /** The transcript, or how to transcribe an utterance (one segment spans it). */
  transcript?: string | ((utterance: PcmChunk) => string);
}

/** One `transcribe` call as the fake saw it (times on the fake's clock). */
export interface FakeSttRequest {
  utterance: PcmChunk;
  language?: string;
  startedAtMs: number;
  /** Set when the call settled. */
  endedAtMs?: number;
  outcome?: 'ok' | 'aborted' | 'failed';
}

/**
 * A scripted STT with timing knobs; records each utterance it was given, when,
 * how each call ended, and how many calls ran at once.
 */
export class FakeStt implements Stt {
  readonly name = 'fake-stt';
  readonly sampleRateHz: number;
  readonly requests: FakeSttRequest[] = [];
  /** Calls started and not yet settled. */
  inFlight = 0;
  /** The most calls that were ever in flight together. */
  maxInFlight = 0;
  readonly #o: FakeSttOptions;

  constructor(options: FakeSttOptions = {}) {
    this.#o = options;
    this.sampleRateHz = options.sampleRateHz ?? 16000;
  }

  async transcribe(utterance: PcmChunk, options: TranscribeRequestOptions = {}): Promise<SttResult> {
    requireRate(utterance, this.sampleRateHz, this.name);
    const clock = this.#o.clock ?? systemClock;
    const request: FakeSttRequest = { utterance, language: options.language, startedAtMs: clock.nowMs() };
    this.requests.push(request);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const call = new FakeCall(this.#o, this.requests.length, options.signal);
      await call.beforeItem();
      request.outcome = 'ok';
      if (utterance.samples.length === 0) return { text: '', segments: [] };
      const t = this.#o.transcript;
      const text = (typeof t === 'function' ? t(utterance) : (t ?? 'hello')).trim();
      const endMs = utterance.ptsMs + chunkDurationMs(utterance);
      return { text, segments: text ? [{ startMs: utterance.ptsMs, endMs, text }] : [] };
    } catch (error) {
      request.outcome = options.signal?.aborted ? 'aborted' : 'failed';
      throw error;
    } finally {
      this.inFlight--;
      request.endedAtMs = clock.nowMs();
    }
  }

  async dispose(): Promise<void> {}
}
