import type { PcmChunk } from '../../../core/media.js';
import { chunkDurationMs, requireRate } from '../../../models/roles/pcm.js';
import type { Stt, SttResult, TranscribeRequestOptions } from '../../../models/roles/stt.js';
import { FakeCall, type FakeTiming } from './timing.js';

export interface FakeSttOptions extends FakeTiming {
  sampleRateHz?: number;
  /** The transcript, or how to transcribe an utterance (one segment spans it). */
  transcript?: string | ((utterance: PcmChunk) => string);
}

/** A scripted STT with timing knobs; records each utterance it was given. */
export class FakeStt implements Stt {
  readonly name = 'fake-stt';
  readonly sampleRateHz: number;
  readonly requests: { utterance: PcmChunk; language?: string }[] = [];
  readonly #o: FakeSttOptions;

  constructor(options: FakeSttOptions = {}) {
    this.#o = options;
    this.sampleRateHz = options.sampleRateHz ?? 16000;
  }

  async transcribe(utterance: PcmChunk, options: TranscribeRequestOptions = {}): Promise<SttResult> {
    requireRate(utterance, this.sampleRateHz, this.name);
    this.requests.push({ utterance, language: options.language });
    const call = new FakeCall(this.#o, this.requests.length, options.signal);
    await call.beforeItem();
    if (utterance.samples.length === 0) return { text: '', segments: [] };
    const t = this.#o.transcript;
    const text = (typeof t === 'function' ? t(utterance) : (t ?? 'hello')).trim();
    const endMs = utterance.ptsMs + chunkDurationMs(utterance);
    return { text, segments: text ? [{ startMs: utterance.ptsMs, endMs, text }] : [] };
  }

  async dispose(): Promise<void> {}
}
