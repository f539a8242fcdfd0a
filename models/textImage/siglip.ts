import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../core/log.js';
import { assertMatchesRecord, modelSignature } from '../contracts/contract.js';
import type { LlmImage } from '../roles/llm.js';
import type { TextImageModel } from '../roles/textImage.js';
import { ModelError, throwIfAborted } from '../runtime/errors.js';
import { readJsonFile } from '../runtime/files.js';
import { loadSessions, type OnnxModel, type SessionThreads } from '../runtime/onnxModel.js';
import { loadTokenizer, tokenId } from '../runtime/tokenizer.js';
import {
  checkImage,
  type SiglipImageConfig,
  type SiglipTextConfig,
  siglipImageConfig,
  siglipInputIds,
  siglipPixels,
} from './siglipInput.js';
import { l2Normalize } from './similarity.js';

/** Xenova/siglip-base-patch16-224's ONNX layout (models/contracts/siglip.json), described as data. */
export const SIGLIP_LAYOUT = {
  /** float32 weights; preferred when present. */
  sessions: { vision: 'onnx/vision_model.onnx', text: 'onnx/text_model.onnx' },
  /** int8 weights, float32 inputs and outputs: loaded when the float32 files are absent. */
  quantized: { vision: 'onnx/vision_model_quantized.onnx', text: 'onnx/text_model_quantized.onnx' },
  /** Each tower's pooled output; L2-normalised it is the embedding SiglipModel compares. */
  pooled: 'pooler_output',
  /** The text length when neither config.json nor tokenizer_config.json says (SigLIP pads to 64). */
  defaultTextLength: 64,
} as const;

export interface SiglipLoadOptions {
  /** The model's name in logs and `name` (default `siglip`). */
  name?: string;
  threads?: SessionThreads;
  log?: Logger;
}

type Towers = { vision: OnnxModel; text: OnnxModel };

function pooledWidth(model: OnnxModel): number | null {
  const axis = model.outputSpec(SIGLIP_LAYOUT.pooled)?.shape[1];
  return typeof axis === 'number' ? axis : null;
}

/** The session files in `dir`: float32 when both are there, else int8 when both are, else float32 (reported missing). */
export function siglipFiles(dir: string): Record<keyof Towers, string> {
  const both = (f: Record<keyof Towers, string>) =>
    existsSync(join(dir, f.vision)) && existsSync(join(dir, f.text));
  return both(SIGLIP_LAYOUT.sessions) || !both(SIGLIP_LAYOUT.quantized)
    ? { ...SIGLIP_LAYOUT.sessions }
    : { ...SIGLIP_LAYOUT.quantized };
}

/**
 * SigLIP as a text–image model: frames and questions in one space, each an
 * L2-normalised pooled output of its tower. Both towers are checked against
 * the recorded contract at load; one session each, shared by every caller.
 */
export class SiglipTextImage implements TextImageModel {
  readonly name: string;
  readonly dims: number;
  readonly imageConfig: SiglipImageConfig;
  readonly textConfig: SiglipTextConfig;
  readonly #towers: Towers;
  readonly #tokenizer: Tokenizer;

  private constructor(p: {
    name: string;
    dims: number;
    towers: Towers;
    tokenizer: Tokenizer;
    imageConfig: SiglipImageConfig;
    textConfig: SiglipTextConfig;
  }) {
    this.name = p.name;
    this.dims = p.dims;
    this.#towers = p.towers;
    this.#tokenizer = p.tokenizer;
    this.imageConfig = p.imageConfig;
    this.textConfig = p.textConfig;
  }

  /** Loads both towers, the tokenizer and the preprocessing settings from a model directory. */
  static async load(dir: string, options: SiglipLoadOptions = {}): Promise<SiglipTextImage> {
    const [tokenizer, config, tokConfig, preprocessor] = await Promise.all([
      loadTokenizer(dir),
      readJsonFile(dir, 'config.json'),
      readJsonFile(dir, 'tokenizer_config.json'),
      readJsonFile(dir, 'preprocessor_config.json'),
    ]);
    const textJson = (config.text_config ?? {}) as Record<string, unknown>;
    const { sessions: towers, checked: dims } = await loadSessions(
      'siglip',
      dir,
      siglipFiles(dir),
      { threads: options.threads, log: options.log },
      (s) => {
        assertMatchesRecord('siglip', 'vision_model', modelSignature(s.vision));
        assertMatchesRecord('siglip', 'text_model', modelSignature(s.text));
        const vision = pooledWidth(s.vision);
        const text = pooledWidth(s.text);
        const configured = typeof textJson.hidden_size === 'number' ? textJson.hidden_size : null;
        const width = vision ?? text ?? configured;
        if (width === null || (vision !== null && text !== null && vision !== text))
          throw new ModelError(
            'ERR_MODEL_LOAD',
            `siglip: the towers' pooled widths differ or are unknown (vision ${vision}, text ${text}, config ${configured})`,
          );
        return width;
      },
    );
    const maxLength = tokConfig.model_max_length;
    const length =
      typeof textJson.max_position_embeddings === 'number'
        ? textJson.max_position_embeddings
        : typeof maxLength === 'number' && maxLength <= 4096
          ? maxLength
          : SIGLIP_LAYOUT.defaultTextLength;
    const special = (key: string, fallback: string) =>
      tokenId(tokenizer, typeof tokConfig[key] === 'string' ? (tokConfig[key] as string) : fallback);
    try {
      return new SiglipTextImage({
        name: options.name ?? 'siglip',
        dims,
        towers,
        tokenizer,
        imageConfig: siglipImageConfig(preprocessor),
        textConfig: {
          length,
          padId: special('pad_token', '</s>'),
          eosId: special('eos_token', '</s>'),
          lowerCase: tokConfig.do_lower_case !== false,
        },
      });
    } catch (error) {
      await Promise.all([towers.vision.dispose(), towers.text.dispose()]);
      throw error;
    }
  }

  /** The text tower's `input_ids` for `text` (exactly `textConfig.length` ids). */
  inputIds(text: string): number[] {
    return siglipInputIds(this.#tokenizer, text, this.textConfig);
  }

  /** L2-normalised embeddings of several images, one batch through the vision tower. */
  async embedImages(
    images: readonly LlmImage[],
    options: { signal?: AbortSignal } = {},
  ): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    for (const image of images) checkImage(image);
    throwIfAborted(options.signal);
    const { height, width } = this.imageConfig;
    const pixels = await siglipPixels(images, this.imageConfig);
    const out = await this.#towers.vision.run(
      { pixel_values: new ort.Tensor('float32', pixels, [images.length, 3, height, width]) },
      { signal: options.signal, outputs: [SIGLIP_LAYOUT.pooled] },
    );
    return this.#rows(out[SIGLIP_LAYOUT.pooled], images.length);
  }

  async embedImage(image: LlmImage, options: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    return (await this.embedImages([image], options))[0] as Float32Array;
  }

  /** L2-normalised embeddings of several texts, one batch through the text tower. */
  async embedTexts(
    texts: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { length } = this.textConfig;
    const ids = new BigInt64Array(texts.length * length);
    for (const [i, text] of texts.entries()) {
      ids.set(
        this.inputIds(text).map((id) => BigInt(id)),
        i * length,
      );
    }
    throwIfAborted(options.signal);
    const out = await this.#towers.text.run(
      { input_ids: new ort.Tensor('int64', ids, [texts.length, length]) },
      { signal: options.signal, outputs: [SIGLIP_LAYOUT.pooled] },
    );
    return this.#rows(out[SIGLIP_LAYOUT.pooled], texts.length);
  }

  async embedText(text: string, options: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    return (await this.embedTexts([text], options))[0] as Float32Array;
  }

  #rows(tensor: ort.Tensor | undefined, count: number): Float32Array[] {
    if (tensor?.type !== 'float32' || tensor.dims.join() !== `${count},${this.dims}`)
      throw new ModelError(
        'ERR_MODEL_RUN',
        `siglip: ${SIGLIP_LAYOUT.pooled} is ${tensor ? `${tensor.type}[${tensor.dims.join(',')}]` : 'missing'}, expected float32[${count},${this.dims}]`,
      );
    const data = tensor.data as Float32Array;
    return Array.from({ length: count }, (_, i) =>
      l2Normalize(data.subarray(i * this.dims, (i + 1) * this.dims)),
    );
  }

  /** Frees both sessions. Idempotent. */
  async dispose(): Promise<void> {
    await Promise.all([this.#towers.vision.dispose(), this.#towers.text.dispose()]);
  }
}
