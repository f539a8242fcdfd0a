import type { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../core/log.js';
import { ModelError, throwIfAborted } from '../runtime/errors.js';
import { readJsonFile } from '../runtime/files.js';
import {
  type FloatType,
  floatData,
  floatInputType,
  floatOutputType,
  floatTensor,
  lastPositionLogits,
  outputTensor,
} from '../runtime/floatTensors.js';
import { cacheFloatType, emptyPast, KV_CACHE_RULE, nextPast } from '../runtime/kvCache.js';
import { type Feeds, loadSessions, type OnnxModel, type SessionThreads } from '../runtime/onnxModel.js';
import { loadTokenizer, tokenId } from '../runtime/tokenizer.js';
import type { VisionInput } from '../vision/smolvlmImage.js';
import { type SmolVlmImageConfig, smolVlmImageConfig } from '../vision/smolvlmImageConfig.js';
import { chatTemplateFor, modelChatTemplate } from './chatTemplate.js';
import { type ChatMessage, expandMedia, type MediaBlock, renderChat } from './prompt.js';
import { Sampler, type SamplingOptions } from './sampling.js';

/** SmolVLM / SmolVLM2's ONNX export, described as data. */
export const SMOLVLM_LAYOUT = {
  sessions: {
    vision: 'onnx/vision_encoder.onnx',
    embed: 'onnx/embed_tokens.onnx',
    decoder: 'onnx/decoder_model_merged.onnx',
  },
  cache: KV_CACHE_RULE,
} as const;

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens?: number;
  /** Generation ends before any of these strings; they are not emitted. */
  stop?: string[];
  /** Recompute the whole sequence each step instead of using the KV cache (verification only). */
  useKvCache?: boolean;
  signal?: AbortSignal;
  /**
   * The prompt's position ids, one per prompt row (see `promptPositions`: a
   * compressed frame's rows keep their original positions, with gaps). Generated
   * tokens continue from the largest plus one. Default: 0, 1, …, T − 1.
   */
  positionIds?: readonly number[];
  /** Observes each step's last-position logits (before sampling) and the position ids fed at that step. */
  onStep?: (step: number, logits: Float32Array, positionIds: readonly number[]) => void;
}

/** A piece of generated text; `text` is what this token added to the output. */
export interface GeneratedToken {
  id: number;
  text: string;
}

/**
 * The vision-language model in three separate steps, so that anything (the
 * temporal token compressor) can choose which feature rows the LLM sees:
 * `encodeImages` → feature rows, `embed` → inputs_embeds with image-token rows
 * replaced, `generate` → a stream of tokens.
 */
export class SmolVlmRunner {
  readonly tokenizer: Tokenizer;
  readonly hidden: number;
  readonly imageTokenId: number;
  readonly imageSeqLen: number;
  /** Image preprocessing settings from the model's preprocessor_config.json. */
  readonly imageConfig: SmolVlmImageConfig;
  readonly #vision: OnnxModel;
  readonly #embed: OnnxModel;
  readonly #decoder: OnnxModel;
  readonly #chatTemplate: string;
  readonly #eos: Set<number>;
  /** Element types the sessions declare (float32 or float16), read at load. */
  readonly #types: SmolVlmFloatTypes;

  private constructor(p: {
    vision: OnnxModel;
    embed: OnnxModel;
    decoder: OnnxModel;
    types: SmolVlmFloatTypes;
    tokenizer: Tokenizer;
    chatTemplate: string;
    hidden: number;
    imageSeqLen: number;
    imageConfig: SmolVlmImageConfig;
    eos: number[];
  }) {
    this.#vision = p.vision;
    this.#embed = p.embed;
    this.#decoder = p.decoder;
    this.#types = p.types;
    this.tokenizer = p.tokenizer;
    this.#chatTemplate = p.chatTemplate;
    this.hidden = p.hidden;
    this.imageSeqLen = p.imageSeqLen;
    this.imageConfig = p.imageConfig;
    this.imageTokenId = tokenId(p.tokenizer, '<image>');
    this.#eos = new Set(p.eos);
  }

  static async load(
    dir: string,
    options: { threads?: SessionThreads; log?: Logger } = {},
  ): Promise<SmolVlmRunner> {
    const readJson = (name: string) => readJsonFile(dir, name);
    const [tokenizer, config, tokConfig, templateJson, generation, processor, preprocessor] =
      await Promise.all([
        loadTokenizer(dir),
        readJson('config.json'),
        readJson('tokenizer_config.json'),
        readJson('chat_template.json'),
        readJson('generation_config.json'),
        readJson('processor_config.json'),
        readJson('preprocessor_config.json'),
      ]);
    const chatTemplate = modelChatTemplate(templateJson, tokConfig);
    if (!chatTemplate) {
      throw new ModelError(
        'ERR_MODEL_LOAD',
        `no chat template in ${dir} (neither chat_template.json nor tokenizer_config.json has one)`,
      );
    }
    const imageConfig = smolVlmImageConfig(preprocessor);
    const { sessions, checked: types } = await loadSessions(
      'smolvlm',
      dir,
      SMOLVLM_LAYOUT.sessions,
      options,
      (s) => smolVlmFloatTypes(s.vision, s.embed, s.decoder),
    );
    const text = (config.text_config ?? {}) as Record<string, unknown>;
    const eos = generation.eos_token_id;
    return new SmolVlmRunner({
      ...sessions,
      types,
      tokenizer,
      chatTemplate,
      hidden: Number(text.hidden_size),
      imageSeqLen: Number(processor.image_seq_len ?? 64),
      imageConfig,
      eos: (Array.isArray(eos) ? eos : [eos ?? tokenId(tokenizer, '<end_of_utterance>')]).map(Number),
    });
  }

  /**
   * The prompt text: the model's chat template (or, for a conversation holding
   * video, the processor's video-capable one) with media placeholders expanded to their token blocks.
   */
  buildPrompt(messages: ChatMessage[], media: MediaBlock[] = []): string {
    const template = chatTemplateFor(messages, this.#chatTemplate);
    return expandMedia(renderChat(template, messages), media, this.imageSeqLen);
  }

  /** Token ids of a prompt (special tokens in the text are recognised, none added). */
  tokenize(prompt: string): number[] {
    return this.tokenizer.encode(prompt, { add_special_tokens: false }).ids;
  }

  /** Vision encoder: `imageSeqLen` feature rows of width `hidden` per image, in order. */
  async encodeImages(input: VisionInput, signal?: AbortSignal): Promise<Float32Array> {
    const side = this.imageConfig.tileSize;
    if (input.count < 1 || input.pixels.length !== input.count * 3 * side * side) {
      throw new ModelError(
        'ERR_MODEL_INPUT',
        `smolvlm-vision: ${input.pixels.length} pixel values for ${input.count} images of 3×${side}×${side}`,
      );
    }
    const out = await this.#vision.run(
      {
        pixel_values: floatTensor(this.#types.pixels, input.pixels, [1, input.count, 3, side, side]),
        pixel_attention_mask: new ort.Tensor('bool', new Uint8Array(input.count * side * side).fill(1), [
          1,
          input.count,
          side,
          side,
        ]),
      },
      { signal },
    );
    return floatData(outputTensor(this.#vision, out, 'image_features'));
  }

  /**
   * inputs_embeds for `ids`, with the rows at image tokens replaced by `imageRows`
   * (K × hidden, in order). The rows can be any features: all of them, or what a compressor kept.
   */
  async embed(ids: number[], imageRows: Float32Array | null, signal?: AbortSignal): Promise<Float32Array> {
    const out = await this.#embed.run(
      { input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]) },
      { signal },
    );
    // A fresh copy (float16) or a view of this run's own output (float32): ours to overwrite.
    const embeds = floatData(outputTensor(this.#embed, out, 'inputs_embeds'));
    const d = this.hidden;
    const slots = ids.flatMap((id, i) => (id === this.imageTokenId ? [i] : []));
    const rows = imageRows ? imageRows.length / d : 0;
    if (slots.length !== rows) {
      throw new ModelError(
        'ERR_MODEL_INPUT',
        `the prompt has ${slots.length} image tokens but ${rows} feature rows were given`,
      );
    }
    for (const [k, pos] of slots.entries())
      embeds.set((imageRows as Float32Array).subarray(k * d, (k + 1) * d), pos * d);
    return embeds;
  }

  /** Streams generated tokens for a prompt given as inputs_embeds (T × hidden). */
  async *generate(inputsEmbeds: Float32Array, options: GenerateOptions = {}): AsyncGenerator<GeneratedToken> {
    const d = this.hidden;
    const promptLen = inputsEmbeds.length / d;
    const sampler = new Sampler(options);
    const useKv = options.useKvCache !== false;
    const stops = options.stop ?? [];
    const holdBack = Math.max(0, ...stops.map((s) => s.length - 1));
    const generated: number[] = [];
    let past: Feeds = emptyPast(this.#decoder, 1);
    let stepEmbeds = inputsEmbeds;
    let emitted = '';
    let text = '';
    const maxNew = options.maxNewTokens ?? 256;
    const positions = sequencePositions(promptLen, options.positionIds);
    let nextPosition = positions.reduce((a, b) => Math.max(a, b), -1) + 1;
    for (let step = 0; step < maxNew; step++) {
      throwIfAborted(options.signal);
      const total = promptLen + generated.length;
      const t = stepEmbeds.length / d;
      const positionIds = new ort.Tensor('int64', BigInt64Array.from(positions.slice(total - t), BigInt), [
        1,
        t,
      ]);
      const out = await this.#decoder.run(
        {
          inputs_embeds: floatTensor(this.#types.decoderEmbeds, stepEmbeds, [1, t, d]),
          attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
          position_ids: positionIds,
          ...past,
        },
        { signal: options.signal },
      );
      const logits = lastPositionLogits(outputTensor(this.#decoder, out, 'logits'))[0] as Float32Array;
      options.onStep?.(step, logits.slice(), Array.from(positionIds.data as BigInt64Array, Number));
      const id = sampler.next(logits, generated);
      if (this.#eos.has(id)) break;
      generated.push(id);
      positions.push(nextPosition++);
      text = this.tokenizer.decode(generated, { skip_special_tokens: true });
      const stopAt = stops.map((s) => text.indexOf(s)).filter((i) => i >= 0);
      if (stopAt.length > 0) {
        const cut = text.slice(0, Math.min(...stopAt));
        if (cut.length > emitted.length) yield { id, text: cut.slice(emitted.length) };
        return;
      }
      const safe = text.length - holdBack;
      if (safe > emitted.length && !text.endsWith('\uFFFD')) {
        yield { id, text: text.slice(emitted.length, safe) };
        emitted = text.slice(0, safe);
      }
      const next = (await this.embed([id], null, options.signal)).slice();
      if (useKv) {
        past = nextPast(out);
        stepEmbeds = next;
      } else {
        const all = new Float32Array(stepEmbeds.length + d);
        all.set(stepEmbeds);
        all.set(next, stepEmbeds.length);
        stepEmbeds = all;
      }
    }
    if (text.length > emitted.length) yield { id: generated.at(-1) ?? -1, text: text.slice(emitted.length) };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.#vision.dispose(), this.#embed.dispose(), this.#decoder.dispose()]);
  }
}

/** The prompt's position ids: the given ones (checked: one per row, non-negative integers) or 0…T−1. */
function sequencePositions(promptLen: number, given: readonly number[] | undefined): number[] {
  if (!given) return Array.from({ length: promptLen }, (_, i) => i);
  if (given.length !== promptLen || given.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new ModelError(
      'ERR_MODEL_INPUT',
      `positionIds must hold one non-negative integer per prompt row (${promptLen}); got ${given.length} values`,
    );
  }
  return [...given];
}

/**
 * The float types of a SmolVLM export's boundary tensors; all are converted to
 * and from float32 here. Outputs are read by their own tensor type (`floatData`);
 * their fields record what was checked at load.
 */
interface SmolVlmFloatTypes {
  pixels: FloatType;
  features: FloatType;
  embeds: FloatType;
  decoderEmbeds: FloatType;
  cache: FloatType | null;
  logits: FloatType;
}

/**
 * Reads and checks, at load, the float type of every float tensor the runner
 * feeds or reads, inputs and outputs alike: float32 or float16 each (an fp16 or
 * q4f16 export), and one type for the whole KV cache. Anything else is
 * ERR_MODEL_LOAD naming the tensor, never a native type error mid-call.
 */
function smolVlmFloatTypes(vision: OnnxModel, embed: OnnxModel, decoder: OnnxModel): SmolVlmFloatTypes {
  return {
    pixels: floatInputType(vision, 'pixel_values'),
    features: floatOutputType(vision, 'image_features'),
    embeds: floatOutputType(embed, 'inputs_embeds'),
    decoderEmbeds: floatInputType(decoder, 'inputs_embeds'),
    cache: cacheFloatType(decoder),
    logits: floatOutputType(decoder, 'logits'),
  };
}
