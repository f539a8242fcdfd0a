import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { byteLevelBpeTokenizer } from './byteBpe.js';
import {
  attention,
  causalMask,
  DATA_TYPE,
  encoderLayer,
  type FloatDType,
  fromFloat32,
  Graph,
  gelu,
  geluMlp,
  layerNorm,
  linear,
  mergeHeads,
  residualMlp,
  splitHeads,
  toFloat32,
} from './onnxGraph.js';

/** Sizes of the tiny Whisper (the real tiny: d 384, 6 heads, 4 layers, 80 mels, 1500 audio positions). */
export const WHISPER_TINY = {
  d: 32,
  heads: 2,
  layers: 2,
  mels: 80,
  audioCtx: 1500,
  textCtx: 448,
  langs: ['en', 'de', 'fr'],
};

/** The sizes of a Whisper graph: the tiny test model's, or a real model's (`WHISPER_BASE`). */
export interface WhisperDims {
  d: number;
  heads: number;
  /** Decoder layers. */
  layers: number;
  /** Encoder transformer layers; 0: the tiny model's single MLP block. */
  encoderLayers: number;
  /** MLP width with GELU; 0: the tiny model's tanh MLP of width 2d. */
  ffn: number;
  mels: number;
  audioCtx: number;
  textCtx: number;
  /** The model's vocabulary (the logits' width), at least the tokenizer's. */
  vocab: number;
}

/** whisper-base's sizes (openai/whisper-base config.json): random weights, the real matrix sizes. */
export const WHISPER_BASE: WhisperDims = {
  d: 512,
  heads: 8,
  layers: 6,
  encoderLayers: 6,
  ffn: 2048,
  mels: 80,
  audioCtx: 1500,
  textCtx: 448,
  vocab: 51865,
};

/** How a tiny Whisper variant differs from the default multilingual float32 export. */
export interface WhisperTinyOptions {
  /** A `*.en` model: `is_multilingual: false`, specials one id lower (as 50257 vs 50258 in the real vocabularies). */
  englishOnly?: boolean;
  /** Whether tokenizer.json lists `<|0.00|>`…`<|30.00|>` (older exports do not; the model's vocabulary still has them). */
  timestampTokens?: boolean;
  /**
   * Element type of every float input and output (features, hidden states, cache, logits);
   * the graphs compute in float32 and cast at the boundary, so weights and values match the float32 model's.
   */
  floatType?: FloatDType;
  /** Per-tensor overrides of `floatType`. */
  floatTypes?: Partial<WhisperTinyFloatTypes>;
  seed?: number;
  /**
   * whisper-base's real dimensions and layer counts (`WHISPER_BASE`: 6 + 6 layers of 512,
   * 8 heads, GELU MLPs of 2048, 51865 logits) with random weights, for measuring its cost.
   */
  realSize?: boolean;
}

/** The float tensors at the sessions' boundaries, each of which an export may declare differently. */
export interface WhisperTinyFloatTypes {
  /** encoder input `input_features`. */
  features: FloatDType;
  /** encoder output `last_hidden_state`. */
  hidden: FloatDType;
  /** decoder input `encoder_hidden_states`. */
  decoderHidden: FloatDType;
  /** decoder `past_key_values.*` inputs and `present.*` outputs. */
  cache: FloatDType;
  /** decoder output `logits`. */
  logits: FloatDType;
}

const TIMESTAMPS = Array.from({ length: 1501 }, (_, i) => `<|${(i * 0.02).toFixed(2)}|>`);

/** Whisper's added tokens in vocabulary order, timestamps included unless `timestamps` is false. */
export function whisperSpecialTokens(langs: string[], timestamps = true): string[] {
  return [
    '<|endoftext|>',
    '<|startoftranscript|>',
    ...langs.map((l) => `<|${l}|>`),
    '<|translate|>',
    '<|transcribe|>',
    '<|startoflm|>',
    '<|startofprev|>',
    '<|nospeech|>',
    '<|notimestamps|>',
    ...(timestamps ? TIMESTAMPS : []),
  ];
}

function encoder(seed: number, types: WhisperTinyFloatTypes, dims: WhisperDims): Uint8Array {
  const { d, mels } = dims;
  const g = new Graph('whisper_encoder', seed);
  const x = toFloat32(
    g,
    g.input('input_features', types.features, ['batch_size', mels, 3000]),
    types.features,
  );
  const act = (x: string) => (dims.encoderLayers > 0 ? gelu(g, x) : g.op('Tanh', [x]));
  const c1 = act(
    g.op('Conv', [x, g.weight([d, mels, 3], 0.05), g.weight([d], 0.02)], { pads: [1, 1], strides: [1] }),
  );
  const c2 = act(
    g.op('Conv', [c1, g.weight([d, d, 3], 0.1), g.weight([d], 0.02)], { pads: [1, 1], strides: [2] }),
  );
  let h = g.op('Transpose', [c2], { perm: [0, 2, 1] });
  h = g.op('Add', [h, g.weight([dims.audioCtx, d], 0.1, 'pos')]);
  if (dims.encoderLayers === 0)
    h = g.op('Add', [h, linear(g, g.op('Tanh', [linear(g, layerNorm(g, h, d), d, d)]), d, d)]);
  for (let i = 0; i < dims.encoderLayers; i++) h = encoderLayer(g, h, d, dims.heads, dims.ffn);
  // optimum names the encoder's output length after its input's (`encoder_sequence_length / 2`).
  g.output(
    'last_hidden_state',
    types.hidden,
    ['batch_size', 'encoder_sequence_length / 2', d],
    fromFloat32(g, layerNorm(g, h, d), types.hidden),
  );
  return g.toBytes();
}

function decoder(vocab: number, seed: number, types: WhisperTinyFloatTypes, dims: WhisperDims): Uint8Array {
  const { d, heads, layers, textCtx } = dims;
  const hd = d / heads;
  const g = new Graph('whisper_decoder_merged', seed);
  const cacheType = types.cache;
  const cacheIn = (name: string, dims: (string | number)[]) =>
    toFloat32(g, g.input(name, cacheType, dims), cacheType);
  const ids = g.input('input_ids', 'int64', ['batch_size', 'decoder_sequence_length']);
  const hiddenType = types.decoderHidden;
  const enc = toFloat32(
    g,
    g.input('encoder_hidden_states', hiddenType, ['batch_size', 'encoder_sequence_length / 2', d]),
    hiddenType,
  );
  const past: { dk: string; dv: string; ek: string; ev: string }[] = [];
  for (let i = 0; i < layers; i++) {
    const p = `past_key_values.${i}`;
    const selfShape = ['batch_size', heads, 'past_decoder_sequence_length', hd];
    const crossShape = ['batch_size', heads, 'encoder_sequence_length_out', hd];
    past.push({
      dk: cacheIn(`${p}.decoder.key`, selfShape),
      dv: cacheIn(`${p}.decoder.value`, selfShape),
      ek: cacheIn(`${p}.encoder.key`, crossShape),
      ev: cacheIn(`${p}.encoder.value`, crossShape),
    });
  }
  const useCache = g.input('use_cache_branch', 'bool', [1]);
  const tokEmb = g.weight([vocab, d], 0.5, 'tok');
  const { positions: qPos, allowed } = causalMask(g, (past[0] as { dk: string }).dk, ids);
  let h = g.op('Add', [
    g.op('Gather', [tokEmb, ids]),
    g.op('Gather', [g.weight([textCtx, d], 0.1, 'pos'), qPos]),
  ]);
  const crossOut = ['batch_size', heads, 'encoder_sequence_length_out', hd];
  // The keys/values attended over inside the If: not a graph output, so a name of its own (sharing
  // `encoder_sequence_length_out` would tell onnxruntime they are as long as the step-0 past, 0).
  const attended = ['batch_size', heads, 'attended_encoder_length', hd];
  for (let i = 0; i < layers; i++) {
    const pv = past[i] as { dk: string; dv: string; ek: string; ev: string };
    const prefix = `present.${i}`;
    // Self-attention over past + new keys.
    let n = layerNorm(g, h, d);
    const q = splitHeads(g, linear(g, n, d, d), heads, hd);
    const k = g.op('Concat', [pv.dk, splitHeads(g, linear(g, n, d, d, false), heads, hd)], { axis: 2 });
    const v = g.op('Concat', [pv.dv, splitHeads(g, linear(g, n, d, d), heads, hd)], { axis: 2 });
    const selfOut = ['batch_size', heads, 'past_decoder_sequence_length + 1', hd];
    g.output(`${prefix}.decoder.key`, cacheType, selfOut, fromFloat32(g, k, cacheType));
    g.output(`${prefix}.decoder.value`, cacheType, selfOut, fromFloat32(g, v, cacheType));
    h = g.op('Add', [h, linear(g, mergeHeads(g, attention(g, q, k, v, hd, allowed), d), d, d)]);
    // Cross-attention, as optimum merges it: the first step (else branch) computes the encoder
    // keys/values and returns them as present.*.encoder.*; the cached branch attends over the
    // past_key_values.*.encoder.* it is fed and returns empty placeholders of shape
    // [0, heads, 1, head_dim] (the first symbolic axis 0, the others 1).
    const reuse = new Graph(`with_past_${i}`);
    reuse.output(`reuse_k_${i}`, 'float32', attended, pv.ek);
    reuse.output(`reuse_v_${i}`, 'float32', attended, pv.ev);
    for (const kv of ['k', 'v']) {
      const empty = reuse.op('Constant', [], {
        value: {
          tensor: { dims: [0, heads, 1, hd], dataType: DATA_TYPE[cacheType], rawData: new Uint8Array(0) },
        },
      });
      reuse.output(`placeholder_${kv}_${i}`, cacheType, crossOut, empty);
    }
    const compute = new Graph(`no_past_${i}`, 100 + i);
    const ck = splitHeads(compute, linear(compute, enc, d, d, false), heads, hd);
    const cv = splitHeads(compute, linear(compute, enc, d, d), heads, hd);
    compute.output(`compute_k_${i}`, 'float32', attended, ck);
    compute.output(`compute_v_${i}`, 'float32', attended, cv);
    const outK = fromFloat32(compute, ck, cacheType);
    const outV = fromFloat32(compute, cv, cacheType);
    compute.output(`present_k_${i}`, cacheType, crossOut, outK);
    compute.output(`present_v_${i}`, cacheType, crossOut, outV);
    const [ek, ev, presentK, presentV] = g.opN(
      'If',
      [useCache],
      { then_branch: reuse, else_branch: compute },
      4,
    ) as [string, string, string, string];
    g.output(`${prefix}.encoder.key`, cacheType, crossOut, presentK);
    g.output(`${prefix}.encoder.value`, cacheType, crossOut, presentV);
    n = layerNorm(g, h, d);
    const cq = splitHeads(g, linear(g, n, d, d), heads, hd);
    h = g.op('Add', [h, linear(g, mergeHeads(g, attention(g, cq, ek, ev, hd), d), d, d)]);
    h = dims.ffn > 0 ? geluMlp(g, h, d, dims.ffn) : residualMlp(g, h, d);
  }
  const logits = g.op('MatMul', [layerNorm(g, h, d), g.op('Transpose', [tokEmb], { perm: [1, 0] })]);
  g.output(
    'logits',
    types.logits,
    ['batch_size', 'decoder_sequence_length', vocab],
    fromFloat32(g, g.op('Mul', [logits, g.floats([4], [])]), types.logits),
  );
  return g.toBytes();
}

/**
 * Writes a tiny-random Whisper in the optimum export layout (onnx/encoder_model.onnx,
 * onnx/decoder_model_merged.onnx) with the config files of the real repos
 * (openai/whisper-tiny or, with `englishOnly`, whisper-tiny.en).
 */
export function writeWhisperTiny(dir: string, options: WhisperTinyOptions = {}): void {
  const { englishOnly = false, timestampTokens = true, floatType = 'float32', seed = 7 } = options;
  const dims: WhisperDims = options.realSize
    ? WHISPER_BASE
    : { ...WHISPER_TINY, encoderLayers: 0, ffn: 0, vocab: 0 };
  const types: WhisperTinyFloatTypes = {
    features: floatType,
    hidden: floatType,
    decoderHidden: floatType,
    cache: floatType,
    logits: floatType,
    ...options.floatTypes,
  };
  const specials = whisperSpecialTokens(WHISPER_TINY.langs, timestampTokens);
  // The .en vocabularies have one base token fewer, so every special sits one id lower.
  const { json, ids } = byteLevelBpeTokenizer(specials, englishOnly ? { merges: 6 } : {});
  const tokenizerVocab = Object.keys((json.model as { vocab: object }).vocab).length + ids.size;
  const special = (t: string) => ids.get(t) as number;
  const timestampBegin = special('<|notimestamps|>') + 1;
  const vocab = Math.max(dims.vocab, timestampTokens ? tokenizerVocab : tokenizerVocab + TIMESTAMPS.length);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'onnx', 'encoder_model.onnx'), encoder(seed, types, dims));
  writeFileSync(join(dir, 'onnx', 'decoder_model_merged.onnx'), decoder(vocab, seed + 1, types, dims));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'WhisperTokenizer',
      bos_token: '<|endoftext|>',
      eos_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      model_max_length: 448,
    }),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'whisper',
      architectures: ['WhisperForConditionalGeneration'],
      is_encoder_decoder: true,
      pad_token_id: special('<|endoftext|>'),
      bos_token_id: special('<|endoftext|>'),
      d_model: dims.d,
      encoder_layers: Math.max(1, dims.encoderLayers),
      decoder_layers: dims.layers,
      decoder_attention_heads: dims.heads,
      encoder_attention_heads: dims.heads,
      ...(dims.ffn > 0 ? { encoder_ffn_dim: dims.ffn, decoder_ffn_dim: dims.ffn } : {}),
      num_mel_bins: dims.mels,
      max_source_positions: dims.audioCtx,
      max_target_positions: dims.textCtx,
      vocab_size: vocab,
      decoder_start_token_id: special('<|startoftranscript|>'),
      eos_token_id: special('<|endoftext|>'),
    }),
  );
  writeFileSync(
    join(dir, 'preprocessor_config.json'),
    JSON.stringify({
      feature_extractor_type: 'WhisperFeatureExtractor',
      feature_size: 80,
      sampling_rate: 16000,
      hop_length: 160,
      chunk_length: 30,
      n_fft: 400,
      n_samples: 480000,
      nb_max_frames: 3000,
      padding_value: 0,
    }),
  );
  const eot = special('<|endoftext|>');
  // The .en repos' generation_config.json has no lang_to_id / task_to_id.
  const languageConfig = englishOnly
    ? { is_multilingual: false }
    : {
        lang_to_id: Object.fromEntries(WHISPER_TINY.langs.map((l) => [`<|${l}|>`, special(`<|${l}|>`)])),
        task_to_id: { transcribe: special('<|transcribe|>'), translate: special('<|translate|>') },
        is_multilingual: true,
      };
  writeFileSync(
    join(dir, 'generation_config.json'),
    JSON.stringify({
      decoder_start_token_id: special('<|startoftranscript|>'),
      eos_token_id: eot,
      no_timestamps_token_id: special('<|notimestamps|>'),
      max_initial_timestamp_index: 50,
      pad_token_id: eot,
      bos_token_id: eot,
      // Like the real configs: specials are suppressed; the first token is never EOT.
      suppress_tokens: Array.from({ length: timestampBegin - eot - 1 }, (_, i) => eot + 1 + i),
      begin_suppress_tokens: [eot],
      max_length: WHISPER_TINY.textCtx,
      ...languageConfig,
    }),
  );
}
