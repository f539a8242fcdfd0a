import type { PcmChunk } from '../../../core/media.js';
import type { SynthesizeOptions, Tts } from '../../../models/roles/tts.js';
import { throwIfAborted } from '../../../models/runtime/errors.js';
import { FakeCall, type FakeTiming } from './timing.js';

export interface FakeTtsOptions extends FakeTiming {
  sampleRateHz?: number;
  /** Speech length per character at speed 1 (default 60 ms). */
  msPerChar?: number;
  /** Output chunk length (default 100 ms). */
  chunkMs?: number;
}

/** A scripted TTS: a tone as long as the text, in chunks, with timing knobs; records what it was asked. */
export class FakeTts implements Tts {
  readonly name = 'fake-tts';
  readonly sampleRateHz: number;
  /** Every request, in order. */
  readonly requests: { text: string; voice?: string; speed?: number }[] = [];
  readonly #o: FakeTtsOptions;

  constructor(options: FakeTtsOptions = {}) {
    this.#o = options;
    this.sampleRateHz = options.sampleRateHz ?? 24000;
  }

  async *synthesize(text: string, options: SynthesizeOptions = {}): AsyncGenerator<PcmChunk> {
    this.requests.push({ text, voice: options.voice, speed: options.speed });
    const call = new FakeCall(this.#o, this.requests.length, options.signal);
    if (!/\p{L}|\p{N}/u.test(text)) return call.end();
    throwIfAborted(options.signal);
    const rate = this.sampleRateHz;
    const total = Math.round((text.length * (this.#o.msPerChar ?? 60) * rate) / 1000 / (options.speed ?? 1));
    const step = Math.round(((this.#o.chunkMs ?? 100) * rate) / 1000);
    for (let at = 0; at < total; at += step) {
      await call.beforeItem();
      const samples = Int16Array.from({ length: Math.min(step, total - at) }, (_, i) =>
        Math.round(8000 * Math.sin((2 * Math.PI * 220 * (at + i)) / rate)),
      );
      yield { samples, sampleRateHz: rate, ptsMs: (at * 1000) / rate };
    }
    call.end();
  }

  async dispose(): Promise<void> {}
}
