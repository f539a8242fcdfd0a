import pkg from '@alexanderolsen/libsamplerate-js';
import type { Logger } from '../../core/log.js';
import type { PcmChunk } from '../../core/media.js';
import { settleOrAbort } from '../../core/settleOrAbort.js';
import { int16ToFloat32 } from '../../models/audio/pcm.js';
import { SightlineError } from '../../protocol/errors.js';

// CommonJS package: its named exports are reached through the default import.
const { create, ConverterType } = pkg;
/** One libsamplerate converter (mono, one rate pair). */
export type Converter = Awaited<ReturnType<typeof create>>;

/** Opens a converter from `inRateHz` to `outRateHz` at `quality` (the resampler destroys it when done). */
export type OpenConverter = (
  inRateHz: number,
  outRateHz: number,
  quality: ResampleQuality,
) => Promise<Converter>;

/** libsamplerate's own `create`: loads a fresh WASM instance each time (~15–25 ms). */
export const openConverter: OpenConverter = (inRateHz, outRateHz, quality) =>
  create(1, inRateHz, outRateHz, { converterType: CONVERTER[quality] });

/**
 * libsamplerate's band-limited sinc converters, by passband (share of the source Nyquist kept):
 * best 97 %, medium 90 %, fastest 80 %. All three keep aliasing below 16-bit quantisation.
 */
export type ResampleQuality = 'best' | 'medium' | 'fastest';

const CONVERTER: Record<ResampleQuality, (typeof ConverterType)[keyof typeof ConverterType]> = {
  best: ConverterType.SRC_SINC_BEST_QUALITY,
  medium: ConverterType.SRC_SINC_MEDIUM_QUALITY,
  fastest: ConverterType.SRC_SINC_FASTEST,
};

export interface ResampleOptions {
  /** The rate every output chunk has (48 kHz for the audio sink). */
  targetRateHz: number;
  /** Default 'medium': 90 % passband, about 2 % of a core per 24 kHz stream (`npm run bench:resample`). */
  quality?: ResampleQuality;
  /** Where converters come from; default {@link openConverter}. A call keeps one warm (pipelines/dialog/converterPool.ts). */
  open?: OpenConverter;
}

/** The part of a stage's context the resampler uses (a pipelines `StageContext` fits). */
export interface ResampleContext {
  /** Stops the stage: the input is returned and the output ends by throwing `signal.reason`. */
  signal?: AbortSignal;
  /** Where an input that fails while being stopped is reported. */
  log: Logger;
}

/** The input's next chunk, or a rejection with the signal's reason as soon as it aborts. */
function nextUnlessAborted<T>(
  it: AsyncIterator<T>,
  signal: AbortSignal | undefined,
): Promise<IteratorResult<T>> {
  if (!signal) return it.next();
  signal.throwIfAborted();
  return settleOrAbort(
    () => it.next(),
    signal,
    () => signal.reason,
  );
}

function toInt16(samples: Float32Array, length = samples.length): Int16Array {
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    const v = Math.round((samples[i] as number) * 32768);
    out[i] = Math.max(-32768, Math.min(32767, v)); // an Int16Array would wrap, not clip
  }
  return out;
}

/**
 * One continuous run of input at one rate through one converter. libsamplerate's output is
 * aligned with its input (no added delay on the timeline) but is held back by half its filter;
 * `flush` feeds silence until every input sample has its output, then stops at exactly
 * `inputSamples × ratio` so nothing is lost and nothing is added.
 */
class Segment {
  readonly #converter: Converter;
  readonly #inRateHz: number;
  readonly #outRateHz: number;
  readonly #startPtsMs: number;
  #inSamples = 0;
  #outSamples = 0;
  #destroyed = false;

  private constructor(converter: Converter, inRateHz: number, outRateHz: number, startPtsMs: number) {
    this.#converter = converter;
    this.#inRateHz = inRateHz;
    this.#outRateHz = outRateHz;
    this.#startPtsMs = startPtsMs;
  }

  static async open(
    first: PcmChunk,
    outRateHz: number,
    quality: ResampleQuality,
    open: OpenConverter,
  ): Promise<Segment> {
    const converter = await open(first.sampleRateHz, outRateHz, quality);
    return new Segment(converter, first.sampleRateHz, outRateHz, first.ptsMs);
  }

  get inRateHz(): number {
    return this.#inRateHz;
  }

  /** Where the next input chunk must start for this segment to continue it. */
  get nextInputPtsMs(): number {
    return this.#startPtsMs + (this.#inSamples * 1000) / this.#inRateHz;
  }

  push(samples: Int16Array): PcmChunk | null {
    this.#inSamples += samples.length;
    if (samples.length === 0) return null;
    return this.#emit(this.#converter.full(int16ToFloat32(samples)));
  }

  /** The held-back tail, cut at the exact output length of the input so far. */
  flush(): PcmChunk | null {
    const wantOut = Math.round((this.#inSamples * this.#outRateHz) / this.#inRateHz);
    const silence = new Float32Array(Math.ceil(this.#inRateHz / 50)); // 20 ms
    const parts: Float32Array[] = [];
    let got = 0;
    // The longest filter (best) holds back ~2,500 output samples at 48 kHz: 1 s of silence is ample.
    for (let i = 0; i < 50 && this.#outSamples + got < wantOut; i++) {
      const out = this.#converter.full(silence);
      parts.push(out);
      got += out.length;
    }
    const take = Math.max(0, Math.min(got, wantOut - this.#outSamples));
    if (take === 0) return null;
    const tail = new Float32Array(got);
    let offset = 0;
    for (const p of parts) {
      tail.set(p, offset);
      offset += p.length;
    }
    return this.#emit(tail, take);
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#converter.destroy();
  }

  #emit(out: Float32Array, length = out.length): PcmChunk | null {
    if (length === 0) return null;
    const chunk: PcmChunk = {
      samples: toInt16(out, length),
      sampleRateHz: this.#outRateHz,
      ptsMs: this.#startPtsMs + (this.#outSamples * 1000) / this.#outRateHz,
    };
    this.#outSamples += length;
    return chunk;
  }
}

/** Input whose `ptsMs` is further than this from where the previous chunk ended starts a new segment. */
const DISCONTINUITY_MS = 1;

/**
 * Streaming sample-rate conversion to `targetRateHz` (libsamplerate's sinc converters in WASM).
 * Input may be at any rate, and may change rate; chunks already at the target pass through
 * untouched. Output `ptsMs` is true: each output sample sits at the time of the input it came
 * from. A change of rate or a jump in input `ptsMs` flushes the running converter (its held-back
 * tail comes out, exactly `inputSamples × ratio` in all) and starts a new one. The WASM converter
 * is freed when the input ends, when the consumer stops early and on abort.
 */
export function createResampler(
  options: ResampleOptions,
): (input: AsyncIterable<PcmChunk>, ctx: ResampleContext) => AsyncGenerator<PcmChunk> {
  const targetRateHz = options.targetRateHz;
  const quality = options.quality ?? 'medium';
  const open = options.open ?? openConverter;
  if (!(Number.isInteger(targetRateHz) && targetRateHz > 0)) {
    throw new SightlineError(
      'ERR_INVALID_ARGUMENT',
      `targetRateHz must be a positive integer, got ${targetRateHz}`,
    );
  }
  return async function* resample(input, ctx) {
    const { signal } = ctx;
    const it = input[Symbol.asyncIterator]();
    let inputDone = false;
    let segment: Segment | null = null;
    try {
      for (;;) {
        const r = await nextUnlessAborted(it, signal);
        if (r.done) {
          inputDone = true;
          break;
        }
        const chunk = r.value;
        if (
          segment &&
          (chunk.sampleRateHz !== segment.inRateHz ||
            Math.abs(chunk.ptsMs - segment.nextInputPtsMs) > DISCONTINUITY_MS)
        ) {
          const tail = segment.flush();
          segment.destroy();
          segment = null;
          if (tail) yield tail;
        }
        if (chunk.sampleRateHz === targetRateHz) {
          yield chunk;
          continue;
        }
        segment ??= await Segment.open(chunk, targetRateHz, quality, open);
        const out = segment.push(chunk.samples);
        if (out) yield out;
        signal?.throwIfAborted();
      }
      const tail = segment?.flush();
      if (tail) yield tail;
    } finally {
      segment?.destroy();
      // Stopped early (consumer left, abort, error): release the producer without waiting on it,
      // since it may be blocked mid-read.
      if (!inputDone) {
        it.return?.().catch((error: unknown) =>
          ctx.log.warn('resampler input failed while stopping', { error }),
        );
      }
    }
  };
}
