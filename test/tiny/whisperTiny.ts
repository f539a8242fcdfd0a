import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { byteLevelBpeTokenizer } from './byteBpe.js';
import { attention, dim, Graph, layerNorm, linear, mergeHeads, scalar, splitHeads } from './onnxGraph.js';

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

export function whisperSpecialTokens(langs: string[]): string[] {
  const timestamps = Array.from({ length: 1501 }, (_, i) => `<|${(i * 0.02).toFixed(2)}|>`);
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
    ...timestamps,
  ];
}

function encoder(seed: number): Uint8Array {
  const { d, mels, audioCtx } = WHISPER_TINY;
  const g = new Graph('whisper_encoder', seed);
  const x = g.input('input_features', 'float32', ['batch_size', mels, 3000]);
  const c1 = g.op('Tanh', [
    g.op('Conv', [x, g.weight([d, mels, 3], 0.05), g.weight([d], 0.02)], { pads: [1, 1], strides: [1] }),
  ]);
  const c2 = g.op('Tanh', [
    g.op('Conv', [c1, g.weight([d, d, 3], 0.1), g.weight([d], 0.02)], { pads: [1, 1], strides: [2] }),
  ]);
  let h = g.op('Transpose', [c2], { perm: [0, 2, 1] });
  h = g.op('Add', [h, g.weight([audioCtx, d], 0.1, 'pos')]);
  h = g.op('Add', [h, linear(g, g.op('Tanh', [linear(g, layerNorm(g, h, d), d, d)]), d, d)]);
  g.output('last_hidden_state', 'float32', ['batch_size', audioCtx, d], layerNorm(g, h, d));
  return g.toBytes();
}

function decoder(vocab: number, seed: number): Uint8Array {
  const { d, heads, layers, textCtx, audioCtx } = WHISPER_TINY;
  const hd = d / heads;
  const g = new Graph('whisper_decoder_merged', seed);
  const ids = g.input('input_ids', 'int64', ['batch_size', 'decoder_sequence_length']);
  const enc = g.input('encoder_hidden_states', 'float32', ['batch_size', 'encoder_sequence_length', d]);
  const past: { dk: string; dv: string; ek: string; ev: string }[] = [];
  for (let i = 0; i < layers; i++) {
    const p = `past_key_values.${i}`;
    past.push({
      dk: g.input(`${p}.decoder.key`, 'float32', ['batch_size', heads, 'past_decoder_sequence_length', hd]),
      dv: g.input(`${p}.decoder.value`, 'float32', ['batch_size', heads, 'past_decoder_sequence_length', hd]),
      ek: g.input(`${p}.encoder.key`, 'float32', ['batch_size', heads, 'encoder_sequence_length_out', hd]),
      ev: g.input(`${p}.encoder.value`, 'float32', ['batch_size', heads, 'encoder_sequence_length_out', hd]),
    });
  }
  const useCache = g.input('use_cache_branch', 'bool', [1]);
  const tokEmb = g.weight([vocab, d], 0.5, 'tok');
  const pastLen = scalar(g, dim(g, (past[0] as { dk: string }).dk, 2));
  const seqLen = scalar(g, dim(g, ids, 1));
  const total = g.op('Add', [pastLen, seqLen]);
  const one = g.ints([1], []);
  const qPos = g.op('Range', [pastLen, total, one]);
  const kPos = g.op('Range', [g.ints([0], []), total, one]);
  // Causal mask: the query at absolute position p sees keys at positions <= p.
  const allowed = g.op('LessOrEqual', [
    g.op('Unsqueeze', [kPos, g.ints([0])]),
    g.op('Unsqueeze', [qPos, g.ints([1])]),
  ]);
  let h = g.op('Add', [
    g.op('Gather', [tokEmb, ids]),
    g.op('Gather', [g.weight([textCtx, d], 0.1, 'pos'), qPos]),
  ]);
  for (let i = 0; i < layers; i++) {
    const pv = past[i] as { dk: string; dv: string; ek: string; ev: string };
    const prefix = `present.${i}`;
    // Self-attention over past + new keys.
    let n = layerNorm(g, h, d);
    const q = splitHeads(g, linear(g, n, d, d), heads, hd);
    const k = g.op('Concat', [pv.dk, splitHeads(g, linear(g, n, d, d, false), heads, hd)], { axis: 2 });
    const v = g.op('Concat', [pv.dv, splitHeads(g, linear(g, n, d, d), heads, hd)], { axis: 2 });
    g.output(`${prefix}.decoder.key`, 'float32', ['batch_size', heads, 'total_sequence_length', hd], k);
    g.output(`${prefix}.decoder.value`, 'float32', ['batch_size', heads, 'total_sequence_length', hd], v);
    h = g.op('Add', [h, linear(g, mergeHeads(g, attention(g, q, k, v, hd, allowed), d), d, d)]);
    // Cross-attention: keys/values from the encoder, computed once (else branch) then reused (then branch).
    const reuse = new Graph(`reuse_${i}`);
    reuse.output(`reuse_k_${i}`, 'float32', ['batch_size', heads, 'encoder_sequence_length_out', hd], pv.ek);
    reuse.output(`reuse_v_${i}`, 'float32', ['batch_size', heads, 'encoder_sequence_length_out', hd], pv.ev);
    const compute = new Graph(`compute_${i}`, 100 + i);
    compute.output(
      `compute_k_${i}`,
      'float32',
      ['batch_size', heads, audioCtx, hd],
      splitHeads(compute, linear(compute, enc, d, d, false), heads, hd),
    );
    compute.output(
      `compute_v_${i}`,
      'float32',
      ['batch_size', heads, audioCtx, hd],
      splitHeads(compute, linear(compute, enc, d, d), heads, hd),
    );
    const [ek, ev] = g.opN('If', [useCache], { then_branch: reuse, else_branch: compute }, 2) as [
      string,
      string,
    ];
    g.output(
      `${prefix}.encoder.key`,
      'float32',
      ['batch_size', heads, 'encoder_sequence_length_out', hd],
      ek,
    );
    g.output(
      `${prefix}.encoder.value`,
      'float32',
      ['batch_size', heads, 'encoder_sequence_length_out', hd],
      ev,
    );
    n = layerNorm(g, h, d);
    const cq = splitHeads(g, linear(g, n, d, d), heads, hd);
    h = g.op('Add', [h, linear(g, mergeHeads(g, attention(g, cq, ek, ev, hd), d), d, d)]);
    h = g.op('Add', [h, linear(g, g.op('Tanh', [linear(g, layerNorm(g, h, d), d, 2 * d)]), 2 * d, d)]);
  }
  const logits = g.op('MatMul', [layerNorm(g, h, d), g.op('Transpose', [tokEmb], { perm: [1, 0] })]);
  g.output(
    'logits',
    'float32',
    ['batch_size', 'decoder_sequence_length', vocab],
    g.op('Mul', [logits, g.floats([4], [])]),
  );
  return g.toBytes();
}

/** Writes a tiny-random Whisper in the optimum export layout (onnx/encoder_model.onnx, onnx/decoder_model_merged.onnx). */
export function writeWhisperTiny(dir: string, seed = 7): void {
  const { json, ids } = byteLevelBpeTokenizer(whisperSpecialTokens(WHISPER_TINY.langs));
  const vocab = Object.keys((json.model as { vocab: object }).vocab).length + ids.size;
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'onnx', 'encoder_model.onnx'), encoder(seed));
  writeFileSync(join(dir, 'onnx', 'decoder_model_merged.onnx'), decoder(vocab, seed + 1));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  const special = (t: string) => ids.get(t) as number;
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
      d_model: WHISPER_TINY.d,
      encoder_layers: 1,
      decoder_layers: WHISPER_TINY.layers,
      decoder_attention_heads: WHISPER_TINY.heads,
      encoder_attention_heads: WHISPER_TINY.heads,
      num_mel_bins: WHISPER_TINY.mels,
      max_source_positions: WHISPER_TINY.audioCtx,
      max_target_positions: WHISPER_TINY.textCtx,
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
  writeFileSync(
    join(dir, 'generation_config.json'),
    JSON.stringify({
      decoder_start_token_id: special('<|startoftranscript|>'),
      eos_token_id: special('<|endoftext|>'),
      no_timestamps_token_id: special('<|notimestamps|>'),
      max_initial_timestamp_index: 50,
      pad_token_id: special('<|endoftext|>'),
      bos_token_id: special('<|endoftext|>'),
      // Like the real configs: specials are suppressed; the first token is never EOT.
      suppress_tokens: Array.from(
        { length: special('<|0.00|>') - special('<|endoftext|>') - 1 },
        (_, i) => special('<|endoftext|>') + 1 + i,
      ),
      begin_suppress_tokens: [special('<|endoftext|>')],
      max_length: WHISPER_TINY.textCtx,
      lang_to_id: Object.fromEntries(WHISPER_TINY.langs.map((l) => [`<|${l}|>`, special(`<|${l}|>`)])),
      task_to_id: { transcribe: special('<|transcribe|>'), translate: special('<|translate|>') },
      is_multilingual: true,
    }),
  );
}
