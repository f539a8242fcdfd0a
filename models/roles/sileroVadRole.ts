import type { Logger } from '../../core/log.js';
import type { PcmChunk } from '../../core/media.js';
import {
  bundledSileroPath,
  type VadStream as SileroStream,
  SileroVad,
  VAD_SAMPLE_RATE_HZ,
  VAD_WINDOW_SAMPLES,
} from '../vad/sileroVad.js';
import { requireRate } from './pcm.js';
import type { SpeechProbability, Vad, VadStream } from './vad.js';

const WINDOW_MS = (VAD_WINDOW_SAMPLES * 1000) / VAD_SAMPLE_RATE_HZ;

/** Silero VAD v5 as the VAD role. */
export class SileroVadRole implements Vad {
  readonly name = 'silero-vad';
  readonly sampleRateHz = VAD_SAMPLE_RATE_HZ;
  readonly windowMs = WINDOW_MS;
  readonly #silero: SileroVad;

  constructor(silero: SileroVad) {
    this.#silero = silero;
  }

  static async load(path: string = bundledSileroPath(), options: { log?: Logger } = {}) {
    return new SileroVadRole(await SileroVad.load(path, options));
  }

  createStream(): VadStream {
    return new SileroRoleStream(this.#silero.createState());
  }

  dispose(): Promise<void> {
    return this.#silero.dispose();
  }
}

class SileroRoleStream implements VadStream {
  readonly #inner: SileroStream;
  /** Samples already in the window being filled. */
  #pending = 0;

  constructor(inner: SileroStream) {
    this.#inner = inner;
  }

  async process(chunk: PcmChunk, signal?: AbortSignal): Promise<SpeechProbability[]> {
    requireRate(chunk, VAD_SAMPLE_RATE_HZ, 'silero-vad');
    const windows = await this.#inner.process(chunk.samples, signal);
    // Window j of this chunk ends at sample (WINDOW - pending) + j * WINDOW of the chunk.
    const firstEnd = VAD_WINDOW_SAMPLES - this.#pending;
    this.#pending = (this.#pending + chunk.samples.length) % VAD_WINDOW_SAMPLES;
    return windows.map((w, j) => ({
      ptsMs: chunk.ptsMs + ((firstEnd + j * VAD_WINDOW_SAMPLES) * 1000) / VAD_SAMPLE_RATE_HZ - WINDOW_MS,
      durationMs: WINDOW_MS,
      probability: w.probability,
    }));
  }

  reset(): void {
    this.#inner.reset();
    this.#pending = 0;
  }

  dispose(): void {
    this.#inner.dispose();
  }
}
