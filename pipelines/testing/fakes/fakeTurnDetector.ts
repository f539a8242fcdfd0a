import type { PcmChunk } from '../../../core/media.js';
import { requireRate } from '../../../models/roles/pcm.js';
import type { EndOfTurnPrediction, TurnDetector } from '../../../models/roles/turn.js';
import { FakeCall, type FakeTiming } from './timing.js';

export interface FakeTurnDetectorOptions extends FakeTiming {
  sampleRateHz?: number;
  threshold?: number;
  /** The probability to answer, or how to compute it from the audio (default 0.9). */
  probability?: number | ((audio: PcmChunk) => number);
}

/** A scripted end-of-turn detector with timing knobs; records the audio it was asked about. */
export class FakeTurnDetector implements TurnDetector {
  readonly name = 'fake-turn';
  readonly sampleRateHz: number;
  readonly threshold: number;
  readonly requests: PcmChunk[] = [];
  readonly #o: FakeTurnDetectorOptions;

  constructor(options: FakeTurnDetectorOptions = {}) {
    this.#o = options;
    this.sampleRateHz = options.sampleRateHz ?? 16000;
    this.threshold = options.threshold ?? 0.5;
  }

  async predictEndOfTurn(
    audio: PcmChunk,
    options: { signal?: AbortSignal } = {},
  ): Promise<EndOfTurnPrediction> {
    requireRate(audio, this.sampleRateHz, this.name);
    this.requests.push(audio);
    const call = new FakeCall(this.#o, this.requests.length, options.signal);
    await call.beforeItem();
    if (audio.samples.length === 0) return { probability: 0, complete: false };
    const p = this.#o.probability;
    const probability = typeof p === 'function' ? p(audio) : (p ?? 0.9);
    return { probability, complete: probability > this.threshold };
  }

  async dispose(): Promise<void> {}
}
