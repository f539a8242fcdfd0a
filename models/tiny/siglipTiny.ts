import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { specialToken } from './byteBpe.js';
import { dim, encoderLayer, Graph, layerNorm, linear, scalar } from './onnxGraph.js';

/** The sizes of a SigLIP graph: the tiny test model's, or the real base model's (`SIGLIP_BASE`). */
export interface SiglipDims {
  /** Width of both towers and of the pooled embedding. */
  d: number;
  layers: number;
  heads: number;
  ffn: number;
  /** Image side the preprocessor resizes to. */
  imageSize: number;
  patch: number;
  /** Text positions: the tokenizer pads to exactly this many. */
  maxPositions: number;
  /** The text model's vocabulary (rows of its embedding), at least the tokenizer's; 0: the tokenizer's. */
  vocab: number;
}

/** Sizes of the tiny SigLIP: 224 px images in 7 × 7 patches of 32, 64 text positions, width 32. */
export const SIGLIP_TINY: SiglipDims = {
  d: 32,
  layers: 1,
  heads: 2,
  ffn: 64,
  imageSize: 224,
  patch: 32,
  maxPositions: 64,
  vocab: 0,
};

/**
 * google/siglip-base-patch16-224's sizes (config.json defaults of SiglipTextConfig /
 * SiglipVisionConfig): both towers 768 wide, 12 layers, 12 heads, MLP 3072; 196 patches of
 * 16 px; 64 text positions; 32000 tokens. Random weights; the vision pooler is a mean and a
 * linear map, not the multi-head attention probe (a single query row: the same cost class).
 */
export const SIGLIP_BASE: SiglipDims = {
  d: 768,
  layers: 12,
  heads: 12,
  ffn: 3072,
  imageSize: 224,
  patch: 16,
  maxPositions: 64,
  vocab: 32000,
};

/** The Metaspace word-boundary mark of SentencePiece vocabularies. */
const SPACE = '\u2581';

/** Words the tiny tokenizer knows whole (the rest is spelled letter by letter). */
const TINY_WORDS = [
  'a',
  'the',
  'of',
  'photo',
  'door',
  'opens',
  'train',
  'platform',
  'closed',
  'station',
  'man',
  'cat',
  'dog',
  'red',
  'blue',
  'sign',
];

/**
 * A SentencePiece-Unigram `tokenizer.json` in the layout of SigLIP's (T5-style): `<pad>` 0,
 * `</s>` 1, `<unk>` 2, Metaspace pre-tokenizer, and a post-processor that appends `</s>`.
 * Its vocabulary is a few whole words plus single letters and digits.
 */
export function siglipTinyTokenizer(): { json: Record<string, unknown>; vocabSize: number } {
  const pieces: [string, number][] = [
    ['<pad>', 0],
    ['</s>', 0],
    ['<unk>', 0],
    [SPACE, -3],
  ];
  for (const w of TINY_WORDS) pieces.push([`${SPACE}${w}`, -1 - w.length / 100]);
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  for (const c of chars) pieces.push([c, -5], [`${SPACE}${c}`, -4]);
  const special = specialToken;
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<pad>'), special(1, '</s>'), special(2, '<unk>')],
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: SPACE, prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: SPACE, prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 2, vocab: pieces, byte_fallback: false },
  };
  return { json, vocabSize: pieces.length };
}

/** vision_model.onnx: patches, learned positions, pre-LN layers, final norm; pooled by a mean and a linear head. */
function visionModel(seed: number, dims: SiglipDims): Uint8Array {
  const { d, patch } = dims;
  const g = new Graph('siglip_vision_model', seed);
  const px = g.input('pixel_values', 'float32', ['batch_size', 'num_channels', 'height', 'width']);
  const conv = g.op('Conv', [px, g.weight([d, 3, patch, patch], 1 / patch), g.weight([d], 0.02)], {
    strides: [patch, patch],
  });
  const patches = (dims.imageSize / patch) ** 2;
  let h = g.op('Transpose', [g.op('Reshape', [conv, g.ints([0, d, -1])])], { perm: [0, 2, 1] });
  h = g.op('Add', [h, g.weight([patches, d], 0.1, 'pos')]);
  for (let i = 0; i < dims.layers; i++) h = encoderLayer(g, h, d, dims.heads, dims.ffn);
  h = layerNorm(g, h, d);
  g.output('last_hidden_state', 'float32', ['batch_size', patches, d], h);
  const mean = g.op('ReduceMean', [h], { axes: [1], keepdims: 0 });
  g.output('pooler_output', 'float32', ['batch_size', d], linear(g, mean, d, d));
  return g.toBytes();
}

/** text_model.onnx: token + position embeddings, pre-LN layers, final norm; pooled from the LAST position, as SigLIP does. */
function textModel(seed: number, dims: SiglipDims, vocab: number): Uint8Array {
  const { d } = dims;
  const g = new Graph('siglip_text_model', seed);
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const tokens = g.op('Gather', [g.weight([vocab, d], 0.5, 'emb'), ids]);
  const length = scalar(g, dim(g, ids, 1));
  const positions = g.op('Range', [g.ints([0], []), length, g.ints([1], [])]);
  let h = g.op('Add', [tokens, g.op('Gather', [g.weight([dims.maxPositions, d], 0.1, 'pos'), positions])]);
  for (let i = 0; i < dims.layers; i++) h = encoderLayer(g, h, d, dims.heads, dims.ffn);
  h = layerNorm(g, h, d);
  g.output('last_hidden_state', 'float32', ['batch_size', 'sequence_length', d], h);
  const last = g.op('Gather', [h, g.ints([-1], [])], { axis: 1 });
  g.output('pooler_output', 'float32', ['batch_size', d], linear(g, last, d, d));
  return g.toBytes();
}

/** Options of the tiny SigLIP. */
export interface SiglipTinyOptions {
  /** google/siglip-base-patch16-224's real dimensions and layer counts (`SIGLIP_BASE`), random weights: for measuring its cost. */
  realSize?: boolean;
}

/**
 * Writes a tiny-random SigLIP in Xenova/siglip-base-patch16-224's layout: onnx/vision_model.onnx,
 * onnx/text_model.onnx, and the repo's config.json, preprocessor_config.json, tokenizer.json
 * and tokenizer_config.json (pad = eos = `</s>`, 64 tokens, lower case).
 */
export function writeSiglipTiny(dir: string, seed = 41, options: SiglipTinyOptions = {}): void {
  const dims = options.realSize ? SIGLIP_BASE : SIGLIP_TINY;
  const { json, vocabSize } = siglipTinyTokenizer();
  const vocab = Math.max(dims.vocab, vocabSize);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'onnx', 'vision_model.onnx'), visionModel(seed, dims));
  writeFileSync(join(dir, 'onnx', 'text_model.onnx'), textModel(seed + 1, dims, vocab));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      do_lower_case: true,
      eos_token: '</s>',
      model_input_names: ['input_ids'],
      model_max_length: dims.maxPositions,
      pad_token: '</s>',
      processor_class: 'SiglipProcessor',
      tokenizer_class: 'SiglipTokenizer',
      unk_token: '<unk>',
    }),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      architectures: ['SiglipModel'],
      model_type: 'siglip',
      text_config: {
        model_type: 'siglip_text_model',
        hidden_size: dims.d,
        intermediate_size: dims.ffn,
        num_attention_heads: dims.heads,
        num_hidden_layers: dims.layers,
        max_position_embeddings: dims.maxPositions,
        vocab_size: vocab,
      },
      vision_config: {
        model_type: 'siglip_vision_model',
        hidden_size: dims.d,
        intermediate_size: dims.ffn,
        num_attention_heads: dims.heads,
        num_hidden_layers: dims.layers,
        image_size: dims.imageSize,
        patch_size: dims.patch,
      },
    }),
  );
  writeFileSync(
    join(dir, 'preprocessor_config.json'),
    JSON.stringify({
      do_normalize: true,
      do_rescale: true,
      do_resize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_processor_type: 'SiglipImageProcessor',
      image_std: [0.5, 0.5, 0.5],
      processor_class: 'SiglipProcessor',
      resample: 3,
      rescale_factor: 1 / 255,
      size: { height: dims.imageSize, width: dims.imageSize },
    }),
  );
}
