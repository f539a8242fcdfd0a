import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../core/log.js';
import type { PcmChunk } from '../../core/media.js';
import { floatToInt16 } from '../audio/pcm.js';
import type { SynthesizeOptions, Tts } from '../roles/tts.js';
import { ModelError, throwIfAborted } from '../runtime/errors.js';
import { OnnxModel, type SessionThreads } from '../runtime/onnxModel.js';
import { loadTokenizer } from '../runtime/tokenizer.js';
import { hasSpeech, splitPcm } from './chunks.js';
import { kokoroNormalize, phonemizeKeepingPunctuation } from './phonemes.js';

/** Kokoro-82M v1.0 (onnx-community layout). */
export const KOKORO_LAYOUT = {
  model: 'onnx/model.onnx',
  voicesDir: 'voices',
  sampleRateHz: 24000,
  styleDim: 256,
  maxTokens: 512,
} as const;

/** Kokoro: phonemes from espeak-ng, ids from the model's tokenizer.json, a style vector per voice, 24 kHz out. */
export class KokoroTts implements Tts {
  readonly name = 'kokoro';
  readonly sampleRateHz = KOKORO_LAYOUT.sampleRateHz;
  readonly #model: OnnxModel;
  readonly #tokenizer: Tokenizer;
  readonly #dir: string;
  readonly #defaultVoice: string;
  readonly #voices = new Map<string, Float32Array>();
  readonly #idsInput: string;

  private constructor(model: OnnxModel, tokenizer: Tokenizer, dir: string, defaultVoice: string) {
    this.#model = model;
    this.#tokenizer = tokenizer;
    this.#dir = dir;
    this.#defaultVoice = defaultVoice;
    // Older exports call the first input `tokens`.
    this.#idsInput = model.inputNames.includes('input_ids') ? 'input_ids' : 'tokens';
  }

  static async load(
    dir: string,
    options: { voice?: string; threads?: SessionThreads; log?: Logger } = {},
  ): Promise<KokoroTts> {
    const tokenizer = await loadTokenizer(dir);
    const model = await OnnxModel.load('kokoro', join(dir, KOKORO_LAYOUT.model), options);
    return new KokoroTts(model, tokenizer, dir, options.voice ?? 'af_heart');
  }

  /** The voice's style table: rows of 256, one per phoneme count. */
  async #voice(id: string): Promise<Float32Array> {
    const cached = this.#voices.get(id);
    if (cached) return cached;
    if (!/^[\w-]+$/.test(id)) throw new ModelError('ERR_MODEL_INPUT', `invalid voice id "${id}"`);
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.#dir, KOKORO_LAYOUT.voicesDir, `${id}.bin`));
    } catch (error) {
      throw new ModelError('ERR_MODEL_MISSING', `kokoro voice "${id}" is not downloaded`, { cause: error });
    }
    const table = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    this.#voices.set(id, table);
    return table;
  }

  /** Token ids for a phoneme string, padded with 0 at both ends (by the tokenizer's template when it has one). */
  ids(phonemes: string): number[] {
    const ids = this.#tokenizer.encode(phonemes).ids;
    if (ids[0] !== 0) ids.unshift(0);
    if (ids.at(-1) !== 0 || ids.length === 1) ids.push(0);
    return ids;
  }

  async *synthesize(text: string, options: SynthesizeOptions = {}): AsyncGenerator<PcmChunk> {
    if (!hasSpeech(text)) return;
    throwIfAborted(options.signal);
    const voice = await this.#voice(options.voice ?? this.#defaultVoice);
    const rows = voice.length / KOKORO_LAYOUT.styleDim;
    const phonemes = kokoroNormalize(await phonemizeKeepingPunctuation(text, 'en-us', options.signal));
    let ids = this.ids(phonemes);
    if (ids.length > KOKORO_LAYOUT.maxTokens) ids = [...ids.slice(0, KOKORO_LAYOUT.maxTokens - 1), 0];
    const n = Math.min(Math.max(ids.length - 2, 0), rows - 1, 509);
    const style = voice.subarray(n * KOKORO_LAYOUT.styleDim, (n + 1) * KOKORO_LAYOUT.styleDim);
    const out = await this.#model.run(
      {
        [this.#idsInput]: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
        style: new ort.Tensor('float32', Float32Array.from(style), [1, KOKORO_LAYOUT.styleDim]),
        speed: new ort.Tensor('float32', [options.speed ?? 1], [1]),
      },
      { signal: options.signal },
    );
    const wave = out.waveform ?? Object.values(out)[0];
    if (!wave) throw new ModelError('ERR_MODEL_RUN', 'kokoro: no waveform output');
    for (const chunk of splitPcm(floatToInt16(wave.data as Float32Array), this.sampleRateHz)) {
      throwIfAborted(options.signal);
      yield chunk;
    }
  }

  dispose(): Promise<void> {
    return this.#model.dispose();
  }
}
