import type { PcmChunk } from '../../../core/media.js';
import { requireRate } from '../../../models/roles/pcm.js';
import type { SpeechProbability, Vad, VadStream } from '../../../models/roles/vad.js';
import { throwIfAborted } from '../../../models/runtime/errors.js';
import { FakeCall, type FakeTiming } from './timing.js';

export interface FakeVadOptions extends FakeTiming {
  sampleRateHz?: number;
  windowMs?: number;
  /**
   * A window's speech probability from its samples and time. Default: an
   * energy rule (RMS above 0.01 of full scale is speech).
   */
  probability?: (window: Int16Array, ptsMs: number) => number;
}

function energy(window: Int16Array): number {
  let sq = 0;
  for (const v of window) sq += v * v;
  return Math.sqrt(sq / Math.max(1, window.length)) / 32768 > 0.01 ? 0.9 : 0.05;
}

/** A scripted VAD with timing knobs (per `process` call); records each chunk's time and length. */
export class FakeVad implements Vad {
  readonly name = 'fake-vad';
  readonly sampleRateHz: number;
  readonly windowMs: number;
  /** One entry per `process` call, over all streams. */
  readonly requests: { ptsMs: number; samples: number }[] = [];
  readonly #o: FakeVadOptions;

  constructor(options: FakeVadOptions = {}) {
    this.#o = options;
    this.sampleRateHz = options.sampleRateHz ?? 16000;
    this.windowMs = options.windowMs ?? 32;
  }

  createStream(): VadStream {
    const windowSamples = Math.round((this.sampleRateHz * this.windowMs) / 1000);
    const buf = new Int16Array(windowSamples);
    let filled = 0;
    return {
      process: async (chunk: PcmChunk, signal?: AbortSignal): Promise<SpeechProbability[]> => {
        requireRate(chunk, this.sampleRateHz, this.name);
        this.requests.push({ ptsMs: chunk.ptsMs, samples: chunk.samples.length });
        // Without a delay knob the verdicts come in the same turn of the event loop, as a fast VAD's would.
        if (this.#o.firstOutputDelayMs || this.#o.failOnCall !== undefined) {
          await new FakeCall(this.#o, this.requests.length, signal).beforeItem();
        } else throwIfAborted(signal);
        const out: SpeechProbability[] = [];
        for (let i = 0; i < chunk.samples.length; i++) {
          buf[filled++] = chunk.samples[i] as number;
          if (filled < windowSamples) continue;
          const ptsMs = chunk.ptsMs + ((i + 1) * 1000) / this.sampleRateHz - this.windowMs;
          out.push({
            ptsMs,
            durationMs: this.windowMs,
            probability: (this.#o.probability ?? energy)(buf, ptsMs),
          });
          filled = 0;
        }
        return out;
      },
      reset: () => {
        filled = 0;
      },
      dispose: () => {},
    };
  }

  async dispose(): Promise<void> {}
}
