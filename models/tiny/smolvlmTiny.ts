import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { byteLevelBpeTokenizer } from './byteBpe.js';
import {
  attention,
  causalMask,
  type FloatDType,
  fromFloat32,
  Graph,
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

function visionEncoder(seed: number, tile: number, types: SmolVlmTinyFloatTypes): Uint8Array {
  const { d, imageSeqLen } = SMOLVLM_TINY;
  const patch = tile / Math.sqrt(imageSeqLen);
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
    [g.op('Mul', [x, m]), g.weight([d, 3, patch, patch], 1 / patch), g.weight([d], 0.02)],
    {
      strides: [patch, patch],
    },
  );
  let h = g.op('Transpose', [g.op('Reshape', [conv, g.ints([0, d, imageSeqLen])])], { perm: [0, 2, 1] });
  h = linear(g, layerNorm(g, h, d), d, d);
  g.output(
    'image_features',
    types.features,
    ['num_patches', imageSeqLen, d],
    fromFloat32(g, h, types.features),
  );
  return g.toBytes();
}

function embedTokens(vocab: number, seed: number, type: FloatDType): Uint8Array {
  const g = new Graph('smolvlm_embed_tokens', seed);
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.output(
    'inputs_embeds',
    type,
    ['batch_size', 'sequence_length', SMOLVLM_TINY.d],
    fromFloat32(g, g.op('Gather', [g.weight([vocab, SMOLVLM_TINY.d], 0.5, 'emb'), ids]), type),
  );
  return g.toBytes();
}

function decoder(vocab: number, seed: number, types: SmolVlmTinyFloatTypes): Uint8Array {
  const { d, heads, kvHeads, layers, maxPositions } = SMOLVLM_TINY;
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
    h = residualMlp(g, h, d);
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
  const tile = options.tile ?? SMOLVLM_TINY.tile;
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
  const vocab = Object.keys((json.model as { vocab: object }).vocab).length + ids.size;
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'onnx', 'vision_encoder.onnx'), visionEncoder(seed, tile, types));
  writeFileSync(join(dir, 'onnx', 'embed_tokens.onnx'), embedTokens(vocab, seed + 1, types.embeds));
  writeFileSync(join(dir, 'onnx', 'decoder_model_merged.onnx'), decoder(vocab, seed + 2, types));
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
        hidden_size: SMOLVLM_TINY.d,
        num_hidden_layers: SMOLVLM_TINY.layers,
        num_attention_heads: SMOLVLM_TINY.heads,
        num_key_value_heads: SMOLVLM_TINY.kvHeads,
        head_dim: SMOLVLM_TINY.d / SMOLVLM_TINY.heads,
        vocab_size: vocab,
        max_position_embeddings: SMOLVLM_TINY.maxPositions,
      },
      vision_config: { image_size: tile, patch_size: 16 },
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
    JSON.stringify({ image_seq_len: SMOLVLM_TINY.imageSeqLen, processor_class: 'SmolVLMProcessor' }),
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
