import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { byteLevelBpeTokenizer } from './byteBpe.js';
import {
  attention,
  causalMask,
  encoderLayer,
  type FloatDType,
  fromFloat32,
  Graph,
  gatedMlp,
  layerNorm,
  linear,
  mergeHeads,
  repeatKv,
  residualMlp,
  splitHeads,
  toFloat32,
} from './onnxGraph.js';

/**
 * Sizes of the tiny SmolVLM. Like the real 256M (hidden 576, 30 layers, 9 query
 * heads sharing 3 KV heads of 64: GQA), it has fewer KV heads than query heads.
 */
export const SMOLVLM_TINY = {
  d: 48,
  heads: 6,
  kvHeads: 2,
  layers: 2,
  imageSeqLen: 64,
  tile: 512,
  maxPositions: 8192,
};

/** A SigLIP vision tower with Idefics3's connector (pixel shuffle, then a linear map to the LLM width). */
export interface SmolVlmVisionDims {
  d: number;
  layers: number;
  heads: number;
  ffn: number;
  patch: number;
  /** Pixel-shuffle factor: (tile / patch)² patches → that / shuffle² tokens of d·shuffle². */
  shuffle: number;
}

/** The sizes of a SmolVLM graph: the tiny test model's, or a real model's (`SMOLVLM_256M`). */
export interface SmolVlmDims {
  d: number;
  heads: number;
  kvHeads: number;
  layers: number;
  /** Gated (SwiGLU) MLP width; 0: the tiny model's tanh MLP of width 2d. */
  ffn: number;
  /** The model's vocabulary (the logits' width), at least the tokenizer's; 0: the tokenizer's. */
  vocab: number;
  imageSeqLen: number;
  tile: number;
  maxPositions: number;
  /** null: the tiny encoder (one patch per output token, one linear layer). */
  vision: SmolVlmVisionDims | null;
}

/**
 * SmolVLM2-256M's sizes (HuggingFaceTB/SmolVLM2-256M-Video-Instruct config.json): a
 * SigLIP-B/16 at 512² (768 wide, 12 layers, 1024 patches, pixel shuffle 4 → 64 tokens of
 * 12288 → 576) and a 30-layer Llama text stack (576 wide, 9 heads sharing 3 KV heads,
 * SwiGLU 1536, 49280 tokens). Random weights; positions are a learned table, not RoPE
 * (elementwise work that does not change the cost).
 */
export const SMOLVLM_256M: SmolVlmDims = {
  d: 576,
  heads: 9,
  kvHeads: 3,
  layers: 30,
  ffn: 1536,
  vocab: 49280,
  imageSeqLen: 64,
  tile: 512,
  maxPositions: 8192,
  vision: { d: 768, layers: 12, heads: 12, ffn: 3072, patch: 16, shuffle: 4 },
};

/**
 * The SmolVLM2 repos' `chat_template.json`: images only, a `{"type": "video"}`
 * part renders as nothing (transformers' processor substitutes its own template for video).
 */
export const SMOLVLM_IMAGE_CHAT_TEMPLATE =
  "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

/** The float tensors at the sessions' boundaries, each of which an export may declare differently. */
export interface SmolVlmTinyFloatTypes {
  /** vision_encoder input `pixel_values`. */
  pixels: FloatDType;
  /** vision_encoder output `image_features`. */
  features: FloatDType;
  /** embed_tokens output `inputs_embeds`. */
  embeds: FloatDType;
  /** decoder input `inputs_embeds`. */
  decoderEmbeds: FloatDType;
  /** decoder `past_key_values.*` inputs and `present.*` outputs. */
  cache: FloatDType;
  /** decoder output `logits`. */
  logits: FloatDType;
}

/** Variants of the tiny SmolVLM, for the ways the real exports differ. */
export interface SmolVlmTinyOptions {
  /** Vision tile side (`max_image_size.longest_edge`): 512 for 256M/500M, 384 for 2.2B. */
  tile?: number;
  /**
   * Element type of every boundary float tensor (float16 as in the repos' `*_fp16.onnx`);
   * the graphs compute in float32 and cast at the boundary, so weights and values match the float32 model's.
   */
  floatType?: FloatDType;
  /** Per-tensor overrides of `floatType`. */
  floatTypes?: Partial<SmolVlmTinyFloatTypes>;
  /** SmolVLM2-256M's real dimensions and layer counts (`SMOLVLM_256M`), random weights: for measuring its cost. */
  realSize?: boolean;
}

export function smolvlmSpecialTokens(): string[] {
  const grid: string[] = [];
  for (let r = 1; r <= 6; r++) for (let c = 1; c <= 6; c++) grid.push(`<row_${r}_col_${c}>`);
  return [
    '<|endoftext|>',
    '<|im_start|>',
    '<|im_end|>',
    '<end_of_utterance>',
    '<fake_token_around_image>',
    '<image>',
    '<global-img>',
    ...grid,
  ];
}

function visionEncoder(
  seed: number,
  tile: number,
  types: SmolVlmTinyFloatTypes,
  dims: SmolVlmDims,
): Uint8Array {
  const { d, imageSeqLen } = dims;
  const patch = dims.vision?.patch ?? tile / Math.sqrt(imageSeqLen);
  const width = dims.vision?.d ?? d;
  const g = new Graph('smolvlm_vision_encoder', seed);
  const px = toFloat32(
    g,
    g.input('pixel_values', types.pixels, ['batch_size', 'num_images', 3, tile, tile]),
    types.pixels,
  );
  const mask = g.input('pixel_attention_mask', 'bool', ['batch_size', 'num_images', tile, tile]);
  const x = g.op('Reshape', [px, g.ints([-1, 3, tile, tile])]);
  const m = g.op('Cast', [g.op('Reshape', [mask, g.ints([-1, 1, tile, tile])])], { to: 1 });
  const conv = g.op(
    'Conv',
    [g.op('Mul', [x, m]), g.weight([width, 3, patch, patch], 1 / patch), g.weight([width], 0.02)],
    {
      strides: [patch, patch],
    },
  );
  const patches = (tile / patch) ** 2;
  let h = g.op('Transpose', [g.op('Reshape', [conv, g.ints([0, width, patches])])], { perm: [0, 2, 1] });
  if (dims.vision) h = siglipConnector(g, h, tile, dims.vision, d);
  else h = linear(g, layerNorm(g, h, d), d, d);
  g.output(
    'image_features',
    types.features,
    ['num_patches', imageSeqLen, d],
    fromFloat32(g, h, types.features),
  );
  return g.toBytes();
}

/**
 * SigLIP's encoder over the patches ([N, patches, width], learned positions, pre-LN layers,
 * final norm), then Idefics3's connector: pixel shuffle by `shuffle` and a linear map to `d`.
 */
function siglipConnector(g: Graph, patchesIn: string, tile: number, v: SmolVlmVisionDims, d: number): string {
  const side = tile / v.patch;
  const s = v.shuffle;
  let h = g.op('Add', [patchesIn, g.weight([side * side, v.d], 0.1, 'pos')]);
  for (let i = 0; i < v.layers; i++) h = encoderLayer(g, h, v.d, v.heads, v.ffn);
  h = layerNorm(g, h, v.d);
  // Idefics3Connector.pixel_shuffle: [N, h·w, c] → [N, h, w/s, c·s] → swap → [N, w/s, h/s, c·s²] → swap → [N, h·w/s², c·s²].
  h = g.op('Reshape', [h, g.ints([0, side, side / s, v.d * s])]);
  h = g.op('Transpose', [h], { perm: [0, 2, 1, 3] });
  h = g.op('Reshape', [h, g.ints([0, side / s, side / s, v.d * s * s])]);
  h = g.op('Transpose', [h], { perm: [0, 2, 1, 3] });
  h = g.op('Reshape', [h, g.ints([0, (side * side) / (s * s), v.d * s * s])]);
  return linear(g, h, v.d * s * s, d, false);
}

function embedTokens(vocab: number, seed: number, type: FloatDType, d: number): Uint8Array {
  const g = new Graph('smolvlm_embed_tokens', seed);
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.output(
    'inputs_embeds',
    type,
    ['batch_size', 'sequence_length', d],
    fromFloat32(g, g.op('Gather', [g.weight([vocab, d], 0.5, 'emb'), ids]), type),
  );
  return g.toBytes();
}

function decoder(vocab: number, seed: number, types: SmolVlmTinyFloatTypes, dims: SmolVlmDims): Uint8Array {
  const { d, heads, kvHeads, layers, maxPositions } = dims;
  const hd = d / heads;
  const groups = heads / kvHeads;
  const g = new Graph('smolvlm_decoder_merged', seed);
  const cacheType = types.cache;
  const embedsIn = g.input('inputs_embeds', types.decoderEmbeds, ['batch_size', 'sequence_length', d]);
  const embeds = toFloat32(g, embedsIn, types.decoderEmbeds);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const positions = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const past = Array.from({ length: layers }, (_, i) => ({
    k: g.input(`past_key_values.${i}.key`, cacheType, ['batch_size', kvHeads, 'past_sequence_length', hd]),
    v: g.input(`past_key_values.${i}.value`, cacheType, ['batch_size', kvHeads, 'past_sequence_length', hd]),
  }));
  const causal = causalMask(g, (past[0] as { k: string }).k, embeds).allowed;
  // Keys the attention mask marks as padding are never attended to: [B, 1, 1, total].
  const keep = g.op('Cast', [g.op('Unsqueeze', [mask, g.ints([1, 2])])], { to: 9 });
  const allowed = g.op('And', [causal, keep]);
  let h = g.op('Add', [embeds, g.op('Gather', [g.weight([maxPositions, d], 0.1, 'pos'), positions])]);
  for (let i = 0; i < layers; i++) {
    const pv = past[i] as { k: string; v: string };
    const n = layerNorm(g, h, d);
    const q = splitHeads(g, linear(g, n, d, d, false), heads, hd);
    const kNew = splitHeads(g, linear(g, n, d, kvHeads * hd, false), kvHeads, hd);
    const vNew = splitHeads(g, linear(g, n, d, kvHeads * hd, false), kvHeads, hd);
    const k = g.op('Concat', [toFloat32(g, pv.k, cacheType), kNew], { axis: 2 });
    const v = g.op('Concat', [toFloat32(g, pv.v, cacheType), vNew], { axis: 2 });
    const cacheDims = ['batch_size', kvHeads, 'total_sequence_length', hd];
    g.output(`present.${i}.key`, cacheType, cacheDims, fromFloat32(g, k, cacheType));
    g.output(`present.${i}.value`, cacheType, cacheDims, fromFloat32(g, v, cacheType));
    const kAll = repeatKv(g, k, kvHeads, groups, hd);
    const vAll = repeatKv(g, v, kvHeads, groups, hd);
    h = g.op('Add', [h, linear(g, mergeHeads(g, attention(g, q, kAll, vAll, hd, allowed), d), d, d, false)]);
    h = dims.ffn > 0 ? gatedMlp(g, h, d, dims.ffn) : residualMlp(g, h, d);
  }
  const logits = linear(g, layerNorm(g, h, d), d, vocab, false);
  g.output(
    'logits',
    types.logits,
    ['batch_size', 'sequence_length', vocab],
    fromFloat32(g, g.op('Mul', [logits, g.floats([3], [])]), types.logits),
  );
  return g.toBytes();
}

/**
 * Writes a tiny-random SmolVLM2 in the Hugging Face ONNX layout (onnx/vision_encoder,
 * embed_tokens, decoder_model_merged) with the real repo's config files: an
 * image-only `chat_template.json` and no template in tokenizer_config.json.
 */
export function writeSmolVlmTiny(dir: string, seed = 11, options: SmolVlmTinyOptions = {}): void {
  const dims: SmolVlmDims = options.realSize
    ? SMOLVLM_256M
    : { ...SMOLVLM_TINY, ffn: 0, vocab: 0, vision: null };
  const tile = options.tile ?? dims.tile;
  const all = options.floatType ?? 'float32';
  const types: SmolVlmTinyFloatTypes = {
    pixels: all,
    features: all,
    embeds: all,
    decoderEmbeds: all,
    cache: all,
    logits: all,
    ...options.floatTypes,
  };
  const { json, ids } = byteLevelBpeTokenizer(smolvlmSpecialTokens());
  const vocab = Math.max(dims.vocab, Object.keys((json.model as { vocab: object }).vocab).length + ids.size);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'onnx', 'vision_encoder.onnx'), visionEncoder(seed, tile, types, dims));
  writeFileSync(join(dir, 'onnx', 'embed_tokens.onnx'), embedTokens(vocab, seed + 1, types.embeds, dims.d));
  writeFileSync(join(dir, 'onnx', 'decoder_model_merged.onnx'), decoder(vocab, seed + 2, types, dims));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'GPT2Tokenizer',
      bos_token: '<|im_start|>',
      eos_token: '<end_of_utterance>',
      pad_token: '<|im_end|>',
      unk_token: '<|endoftext|>',
    }),
  );
  writeFileSync(
    join(dir, 'chat_template.json'),
    JSON.stringify({ chat_template: SMOLVLM_IMAGE_CHAT_TEMPLATE }),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'smolvlm',
      architectures: ['SmolVLMForConditionalGeneration'],
      image_token_id: ids.get('<image>'),
      scale_factor: 4,
      text_config: {
        hidden_size: dims.d,
        num_hidden_layers: dims.layers,
        num_attention_heads: dims.heads,
        num_key_value_heads: dims.kvHeads,
        head_dim: dims.d / dims.heads,
        ...(dims.ffn > 0 ? { intermediate_size: dims.ffn } : {}),
        vocab_size: vocab,
        max_position_embeddings: dims.maxPositions,
      },
      vision_config: {
        image_size: tile,
        patch_size: 16,
        ...(dims.vision
          ? {
              hidden_size: dims.vision.d,
              num_hidden_layers: dims.vision.layers,
              num_attention_heads: dims.vision.heads,
              intermediate_size: dims.vision.ffn,
            }
          : {}),
      },
    }),
  );
  writeFileSync(
    join(dir, 'generation_config.json'),
    JSON.stringify({
      eos_token_id: [ids.get('<end_of_utterance>'), ids.get('<|im_end|>')],
      pad_token_id: ids.get('<|im_end|>'),
    }),
  );
  writeFileSync(
    join(dir, 'processor_config.json'),
    JSON.stringify({ image_seq_len: dims.imageSeqLen, processor_class: 'SmolVLMProcessor' }),
  );
  writeFileSync(
    join(dir, 'preprocessor_config.json'),
    JSON.stringify({
      do_convert_rgb: true,
      do_image_splitting: true,
      do_normalize: true,
      do_rescale: true,
      do_resize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
      max_image_size: { longest_edge: tile },
      resample: 1,
      rescale_factor: 1 / 255,
      size: { longest_edge: 4 * tile },
      video_sampling: { fps: 1, max_frames: 64, video_size: { longest_edge: tile } },
    }),
  );
}
