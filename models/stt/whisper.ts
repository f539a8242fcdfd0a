import type { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../core/log.js';
import { LogMelExtractor } from '../audio/logMel.js';
import { ModelError, throwIfAborted } from '../runtime/errors.js';
import { readJsonFile } from '../runtime/files.js';
import {
  type FloatType,
  floatInputType,
  floatOutputType,
  floatTensor,
  lastPositionLogits,
  outputTensor,
} from '../runtime/floatTensors.js';
import { cacheFloatType, emptyPast, KV_CACHE_RULE, nextPast } from '../runtime/kvCache.js';
import { type Feeds, loadSessions, type OnnxModel, type SessionThreads } from '../runtime/onnxModel.js';
import { loadTokenizer } from '../runtime/tokenizer.js';
import { type AudioChunk, planChunks } from './chunking.js';
import { type TranscriptSegment, tokensToSegments } from './segments.js';
import { applyTimestampRules, argmax } from './timestampRules.js';
import { type WhisperTokenIds, whisperTokenIds } from './whisperTokens.js';

/** The optimum export of Whisper, described as data: named sessions plus the KV-cache rule. */
export const WHISPER_LAYOUT = {
  sessions: { encoder: 'onnx/encoder_model.onnx', decoder: 'onnx/decoder_model_merged.onnx' },
  cache: KV_CACHE_RULE,
  sampleRateHz: 16000,
  chunkMs: 30_000,
} as const;

/** Looked up in the tokenizer when generation_config.json has no `lang_to_id`. */
const LANGUAGE_CODES = [
  'en',
  'de',
  'fr',
  'es',
  'it',
  'pt',
  'nl',
  'ja',
  'zh',
  'ko',
  'ru',
  'pl',
  'sv',
  'tr',
  'uk',
];

export interface TranscribeOptions {
  language?: string;
  task?: 'transcribe' | 'translate';
  /** Generate timestamp tokens and split into timed segments (default true). */
  timestamps?: boolean;
  maxNewTokens?: number;
  /** Added to every segment time (the chunk's position in the stream). */
  offsetMs?: number;
  /** Recompute the whole sequence each step instead of using the KV cache (for verification only). */
  useKvCache?: boolean;
  signal?: AbortSignal;
  /**
   * Sees each step's last-position logits (float32, per batch item) before the
   * suppression and timestamp rules are applied; changes made to them are what
   * the decoder then works with (a hook for biasing and for tests).
   */
  onStep?: (step: number, logits: Float32Array[]) => void;
}

export interface Transcript {
  text: string;
  segments: TranscriptSegment[];
  /** Generated tokens, prompt excluded. */
  tokens: number[];
}

/** Whisper speech-to-text: one shared encoder and decoder session, greedy decoding with timestamps. */
export class WhisperRunner {
  readonly tokenizer: Tokenizer;
  readonly ids: WhisperTokenIds;
  readonly features = new LogMelExtractor();
  /** False for the English-only `*.en` models (generation_config.json `is_multilingual`). */
  readonly multilingual: boolean;
  readonly #encoder: OnnxModel;
  readonly #decoder: OnnxModel;
  readonly #maxInitialTimestampIndex: number;
  readonly #maxTargetPositions: number;
  /** From generation_config.json: never generated, and not as the first token. */
  readonly #suppress: number[];
  readonly #beginSuppress: number[];
  /** Element types the sessions declare (float32 or float16), read at load. */
  readonly #types: WhisperFloatTypes;

  private constructor(p: {
    encoder: OnnxModel;
    decoder: OnnxModel;
    tokenizer: Tokenizer;
    ids: WhisperTokenIds;
    multilingual: boolean;
    types: WhisperFloatTypes;
    maxInitialTimestampIndex: number;
    maxTargetPositions: number;
    suppress: number[];
    beginSuppress: number[];
  }) {
    this.#encoder = p.encoder;
    this.#decoder = p.decoder;
    this.tokenizer = p.tokenizer;
    this.ids = p.ids;
    this.multilingual = p.multilingual;
    this.#types = p.types;
    this.#maxInitialTimestampIndex = p.maxInitialTimestampIndex;
    this.#maxTargetPositions = p.maxTargetPositions;
    this.#suppress = p.suppress;
    this.#beginSuppress = p.beginSuppress;
  }

  static async load(
    dir: string,
    options: { threads?: SessionThreads; log?: Logger } = {},
  ): Promise<WhisperRunner> {
    const readJson = (name: string) => readJsonFile(dir, name);
    const [tokenizer, config, generation] = await Promise.all([
      loadTokenizer(dir),
      readJson('config.json'),
      readJson('generation_config.json'),
    ]);
    const langToId = isRecord(generation.lang_to_id) ? generation.lang_to_id : undefined;
    const ids = whisperTokenIds(tokenizer, { langToId, codes: LANGUAGE_CODES });
    const { sessions, checked: types } = await loadSessions(
      'whisper',
      dir,
      WHISPER_LAYOUT.sessions,
      options,
      (s) => whisperFloatTypes(s.encoder, s.decoder),
    );
    return new WhisperRunner({
      ...sessions,
      tokenizer,
      ids,
      // Older configs say nothing: a model with lang_to_id is multilingual.
      multilingual:
        typeof generation.is_multilingual === 'boolean' ? generation.is_multilingual : langToId !== undefined,
      types,
      maxInitialTimestampIndex: Number(generation.max_initial_timestamp_index ?? 50),
      maxTargetPositions: Number(config.max_target_positions ?? 448),
      suppress: Array.isArray(generation.suppress_tokens) ? generation.suppress_tokens.map(Number) : [],
      beginSuppress: Array.isArray(generation.begin_suppress_tokens)
        ? generation.begin_suppress_tokens.map(Number)
        : [],
    });
  }

  /** Log-mel features then the encoder, for a batch of ≤30 s clips at 16 kHz. */
  async encode(audios: Float32Array[], signal?: AbortSignal): Promise<ort.Tensor> {
    const { nMels, nFrames } = this.features.options;
    const batch = new Float32Array(audios.length * nMels * nFrames);
    audios.forEach((a, i) => {
      throwIfAborted(signal);
      batch.set(this.features.compute(a), i * nMels * nFrames);
    });
    const out = await this.#encoder.run(
      { input_features: floatTensor(this.#types.features, batch, [audios.length, nMels, nFrames]) },
      { signal },
    );
    return outputTensor(this.#encoder, out, 'last_hidden_state');
  }

  /**
   * The decoder prompt: start, language, task, and no-timestamps when timestamps
   * are off. English-only models take no language or task token; asking one for
   * another language or for translation is ERR_MODEL_INPUT.
   */
  prompt(options: TranscribeOptions = {}): number[] {
    const tail = options.timestamps === false ? [this.ids.noTimestamps] : [];
    if (!this.multilingual) {
      if ((options.language ?? 'en') !== 'en' || (options.task ?? 'transcribe') !== 'transcribe')
        throw new ModelError('ERR_MODEL_INPUT', 'this English-only model only transcribes English');
      return [this.ids.sot, ...tail];
    }
    const lang = this.ids.languages.get(options.language ?? 'en');
    if (lang === undefined)
      throw new ModelError('ERR_MODEL_INPUT', `language "${options.language}" is not in this model`);
    const task = options.task === 'translate' ? this.ids.translate : this.ids.transcribe;
    return [this.ids.sot, lang, task, ...tail];
  }

  /** Transcribes one ≤30 s clip. */
  async transcribe(audio: Float32Array, options: TranscribeOptions = {}): Promise<Transcript> {
    return (await this.transcribeBatch([audio], options))[0] as Transcript;
  }

  /** Transcribes several ≤30 s clips in one batch (same result as one at a time). */
  async transcribeBatch(audios: Float32Array[], options: TranscribeOptions = {}): Promise<Transcript[]> {
    const { signal } = options;
    const timestamps = options.timestamps !== false;
    const useKv = options.useKvCache !== false;
    const prompt = this.prompt(options);
    const maxNew = Math.min(options.maxNewTokens ?? 224, this.#maxTargetPositions - prompt.length);
    const batch = audios.length;
    const encoderOut = await this.encode(audios, signal);
    const generated: number[][] = audios.map(() => []);
    const done = audios.map(() => false);
    let past: Feeds = emptyPast(this.#decoder, batch);
    let stepIds: number[][] = audios.map(() => [...prompt]);
    for (let step = 0; step < maxNew; step++) {
      throwIfAborted(signal);
      const out = await this.#decoder.run(
        {
          input_ids: idsTensor(stepIds),
          encoder_hidden_states: encoderOut,
          ...past,
          use_cache_branch: new ort.Tensor('bool', [useKv && step > 0], [1]),
        },
        { signal },
      );
      const last = lastPositionLogits(outputTensor(this.#decoder, out, 'logits'));
      options.onStep?.(step, last);
      for (let b = 0; b < batch; b++) {
        if (done[b]) {
          (generated[b] as number[]).push(this.ids.eot);
          continue;
        }
        const logits = last[b] as Float32Array;
        for (const id of this.#suppress) logits[id] = Number.NEGATIVE_INFINITY;
        if (step === 0) for (const id of this.#beginSuppress) logits[id] = Number.NEGATIVE_INFINITY;
        if (timestamps) {
          applyTimestampRules(logits, generated[b] as number[], this.ids, this.#maxInitialTimestampIndex);
        } else {
          // As the reference decoders do: specials are never generated; a stray timestamp is allowed
          // and kept out of the text.
          logits.fill(Number.NEGATIVE_INFINITY, this.ids.eot + 1, this.ids.timestampBegin);
        }
        const next = argmax(logits);
        (generated[b] as number[]).push(next);
        if (next === this.ids.eot) done[b] = true;
      }
      if (done.every(Boolean)) break;
      if (useKv) {
        // From the second step on the cached branch returns empty encoder placeholders: keep step 0's.
        past = nextPast(out, step === 0 ? undefined : past);
        stepIds = generated.map((g) => [g.at(-1) as number]);
      } else {
        stepIds = generated.map((g) => [...prompt, ...g]);
      }
    }
    const offsetMs = options.offsetMs ?? 0;
    return audios.map((audio, b) => {
      const tokens = (generated[b] as number[]).filter((_, i, all) => i === 0 || all[i - 1] !== this.ids.eot);
      const textTokens = tokens.filter((t) => t < this.ids.eot);
      const endMs = offsetMs + (Math.min(audio.length, 480000) * 1000) / WHISPER_LAYOUT.sampleRateHz;
      const segments = timestamps
        ? tokensToSegments(tokens, this.ids, (t) => this.tokenizer.decode(t), offsetMs, endMs)
        : [];
      const text = textTokens.length > 0 ? this.tokenizer.decode(textTokens).trim() : '';
      return { text, segments, tokens };
    });
  }

  /**
   * Transcribes audio of any length: cut into ≤30 s chunks at pauses (VAD
   * probabilities when given, else energy), each chunk's segments on the absolute timeline.
   */
  async transcribeLong(
    audio: Float32Array,
    options: TranscribeOptions & {
      speechProbabilities?: readonly number[];
      onChunk?: (i: number, n: number) => void;
    } = {},
  ): Promise<Transcript & { chunks: AudioChunk[] }> {
    const chunks = planChunks(audio, {
      sampleRateHz: WHISPER_LAYOUT.sampleRateHz,
      maxChunkMs: WHISPER_LAYOUT.chunkMs,
      searchMs: 5000,
      speechProbabilities: options.speechProbabilities,
    });
    const base = options.offsetMs ?? 0;
    const segments: TranscriptSegment[] = [];
    const tokens: number[] = [];
    const texts: string[] = [];
    for (const [i, c] of chunks.entries()) {
      options.onChunk?.(i, chunks.length);
      const offsetMs = base + (c.startSample * 1000) / WHISPER_LAYOUT.sampleRateHz;
      const t = await this.transcribe(audio.subarray(c.startSample, c.endSample), { ...options, offsetMs });
      segments.push(...t.segments);
      tokens.push(...t.tokens);
      if (t.text) texts.push(t.text);
    }
    return { text: texts.join(' '), segments, tokens, chunks };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.#encoder.dispose(), this.#decoder.dispose()]);
  }
}

function idsTensor(rows: number[][]): ort.Tensor {
  const t = rows[0]?.length ?? 0;
  const data = new BigInt64Array(rows.length * t);
  rows.forEach((r, b) => {
    r.forEach((id, i) => {
      data[b * t + i] = BigInt(id);
    });
  });
  return new ort.Tensor('int64', data, [rows.length, t]);
}

/**
 * The float types of a Whisper export's boundary tensors. The encoder's output
 * is passed to the decoder unconverted, so `hidden` is the type of both;
 * logits are read by their own tensor type (`floatData`). Each field records what was checked at load.
 */
interface WhisperFloatTypes {
  features: FloatType;
  hidden: FloatType;
  cache: FloatType | null;
  logits: FloatType;
}

/**
 * Reads and checks, at load, the float type of every float tensor the runner
 * feeds or reads, inputs and outputs alike: float32 or float16 each, one type
 * for the whole KV cache, and the encoder's output type is the one the decoder
 * takes. Anything else is ERR_MODEL_LOAD naming the tensor, never a native type
 * error in the middle of a transcription.
 */
function whisperFloatTypes(encoder: OnnxModel, decoder: OnnxModel): WhisperFloatTypes {
  const features = floatInputType(encoder, 'input_features');
  const hidden = floatOutputType(encoder, 'last_hidden_state');
  const decoderHidden = floatInputType(decoder, 'encoder_hidden_states');
  if (hidden !== decoderHidden)
    throw new ModelError(
      'ERR_MODEL_LOAD',
      `whisper: the encoder outputs ${hidden} but the decoder takes ${decoderHidden} encoder_hidden_states`,
    );
  return { features, hidden, cache: cacheFloatType(decoder), logits: floatOutputType(decoder, 'logits') };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
