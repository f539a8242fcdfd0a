import * as ort from 'onnxruntime-node';
import type { Logger } from '../../core/log.js';
import type { PcmChunk } from '../../core/media.js';
import { LogMelExtractor, type LogMelOptions, WHISPER_FEATURES } from '../audio/logMel.js';
import { int16ToFloat32 } from '../audio/pcm.js';
import { requireRate } from '../roles/pcm.js';
import type { EndOfTurnPrediction, TurnDetector } from '../roles/turn.js';
import { ModelError, throwIfAborted } from '../runtime/errors.js';
import { OnnxModel, type SessionThreads } from '../runtime/onnxModel.js';

/** pipecat-ai/smart-turn-v3, described as data. */
export const SMART_TURN_LAYOUT = {
  file: 'smart-turn-v3.2-cpu.onnx',
  input: 'input_features',
  output: 'logits',
  sampleRateHz: 16000,
  /** The model hears the last 8 s (`WhisperFeatureExtractor(chunk_length=8)`). */
  windowSamples: 8 * 16000,
} as const;

/** Whisper log-mel over 8 s: 80 mels × 800 frames. */
export const SMART_TURN_FEATURES: LogMelOptions = {
  ...WHISPER_FEATURES,
  nSamples: SMART_TURN_LAYOUT.windowSamples,
  nFrames: SMART_TURN_LAYOUT.windowSamples / WHISPER_FEATURES.hopLength,
};

/**
 * The 8 s window the model hears, as the reference `predict_endpoint` builds
 * it: the last 8 s of `audio`, zero-padded at the front when shorter, then
 * normalised to zero mean and unit variance over the whole window
 * (`do_normalize=True`: (x − mean) / √(var + 1e-7), padding included).
 */
export function smartTurnWindow(audio: Float32Array): Float32Array {
  const n = SMART_TURN_LAYOUT.windowSamples;
  const out = new Float32Array(n);
  const tail = audio.subarray(Math.max(0, audio.length - n));
  out.set(tail, n - tail.length);
  let sum = 0;
  for (const v of out) sum += v;
  const mean = sum / n;
  let sq = 0;
  for (const v of out) sq += (v - mean) ** 2;
  const scale = 1 / Math.sqrt(sq / n + 1e-7);
  for (let i = 0; i < n; i++) out[i] = ((out[i] as number) - mean) * scale;
  return out;
}

/**
 * Smart Turn v3: is the user's turn complete, from the sound of its last 8 s
 * (words, pitch, pace). Ask it when the VAD reports a pause, not per frame.
 */
export class SmartTurn implements TurnDetector {
  readonly name = 'smart-turn-v3';
  readonly sampleRateHz = SMART_TURN_LAYOUT.sampleRateHz;
  readonly threshold: number;
  readonly #model: OnnxModel;
  readonly #features = new LogMelExtractor(SMART_TURN_FEATURES);

  private constructor(model: OnnxModel, threshold: number) {
    this.#model = model;
    this.threshold = threshold;
  }

  /** Loads `smart-turn-v3.2-cpu.onnx` (or another v3 file); checks its input and output names. */
  static async load(
    path: string,
    options: { threshold?: number; threads?: SessionThreads; log?: Logger } = {},
  ): Promise<SmartTurn> {
    const model = await OnnxModel.load('smart-turn', path, {
      threads: options.threads ?? { intraOp: 1, interOp: 1 },
      log: options.log,
    });
    const { input, output } = SMART_TURN_LAYOUT;
    if (!model.inputNames.includes(input) || !model.outputNames.includes(output)) {
      await model.dispose();
      throw new ModelError(
        'ERR_MODEL_LOAD',
        `smart-turn: expected input "${input}" and output "${output}" (is this Smart Turn v3?)`,
      );
    }
    return new SmartTurn(model, options.threshold ?? 0.5);
  }

  /** The model's input for one clip of 16 kHz audio: [80][800]. */
  features(audio: Float32Array): Float32Array {
    return this.#features.compute(smartTurnWindow(audio));
  }

  /** Probability that each clip's turn is complete, in one batch. */
  async predict(audios: Float32Array[], signal?: AbortSignal): Promise<number[]> {
    const { nMels, nFrames } = SMART_TURN_FEATURES;
    const batch = new Float32Array(audios.length * nMels * nFrames);
    audios.forEach((a, i) => {
      throwIfAborted(signal);
      batch.set(this.features(a), i * nMels * nFrames);
    });
    const out = await this.#model.run(
      { [SMART_TURN_LAYOUT.input]: new ort.Tensor('float32', batch, [audios.length, nMels, nFrames]) },
      { signal },
    );
    const logits = out[SMART_TURN_LAYOUT.output];
    if (!logits || logits.data.length !== audios.length)
      throw new ModelError('ERR_MODEL_RUN', 'smart-turn: expected one probability per clip');
    return Array.from(logits.data as Float32Array);
  }

  async predictEndOfTurn(
    audio: PcmChunk,
    options: { signal?: AbortSignal } = {},
  ): Promise<EndOfTurnPrediction> {
    requireRate(audio, this.sampleRateHz, 'smart-turn');
    if (audio.samples.length === 0) return { probability: 0, complete: false };
    const tail = audio.samples.subarray(Math.max(0, audio.samples.length - SMART_TURN_LAYOUT.windowSamples));
    const [probability = 0] = await this.predict([int16ToFloat32(tail)], options.signal);
    throwIfAborted(options.signal);
    return { probability, complete: probability > this.threshold };
  }

  dispose(): Promise<void> {
    return this.#model.dispose();
  }
}
