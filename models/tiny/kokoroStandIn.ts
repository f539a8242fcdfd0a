import { attention, Graph, gelu, layerNorm, mergeHeads, splitHeads } from './onnxGraph.js';

/**
 * A stand-in for Kokoro-82M with its parameter count (about 82 M), its output
 * rate (24 kHz) and the rates its parts run at, for measuring what the real one
 * costs. The real graph is StyleTTS2 + iSTFTNet (ALBERT, LSTMs, AdaIN blocks,
 * an inverse STFT); this one keeps the shape of the work, not the layers:
 * - phoneme rate: an ALBERT encoder (one 768-wide layer applied 12 times, its
 *   weights shared, as PL-BERT), then convolutions and MLPs in the place of the
 *   text encoder and the prosody predictor (their parameters, run per phoneme);
 * - 40 Hz: each phoneme repeated for its duration (3 frames at speed 1, 75 ms:
 *   about 13 phonemes a second), residual 1024-wide convolutions (the AdaIN
 *   decoder blocks), then ×2 to 80 Hz;
 * - iSTFTNet's generator: ×10 to 800 Hz at 256 channels, ×6 to 4800 Hz at 128,
 *   each with HiFi-GAN residual blocks (kernels 3, 7, 11; dilations 1, 3, 5),
 *   then an overlap-add of 20-sample frames every 5 samples in the place of the
 *   inverse STFT: 300 samples per 80 Hz frame, 24 kHz.
 */
export const KOKORO_STAND_IN = {
  vocab: 178,
  albert: { embed: 128, d: 768, heads: 12, ffn: 2048, applications: 12 },
  /** Phoneme-rate blocks (text encoder + prosody predictor stand-ins): conv k5 + MLP, 512 wide. */
  phoneme: { d: 512, blocks: 9, ffn: 2304 },
  framesPerPhoneme: 3,
  /** 40 Hz residual convolution blocks (two k3 convolutions each). */
  frames: { d: 1024, blocks: 4 },
  generator: { channels: [256, 128], upsample: [10, 6], kernels: [3, 7, 11], dilations: [1, 3, 5] },
  istft: { nFft: 20, hop: 5 },
  sampleRateHz: 24000,
} as const;

function conv1d(
  g: Graph,
  x: string,
  cIn: number,
  cOut: number,
  k: number,
  dilation = 1,
  bias = true,
): string {
  const pad = ((k - 1) * dilation) / 2;
  const inputs = [x, g.weight([cOut, cIn, k], 1 / Math.sqrt(cIn * k))];
  if (bias) inputs.push(g.weight([cOut], 0.02));
  return g.op('Conv', inputs, { pads: [pad, pad], dilations: [dilation] });
}

function leaky(g: Graph, x: string): string {
  return g.op('LeakyRelu', [x], { alpha: 0.1 });
}

/** A transpose convolution that multiplies the length by `stride` exactly (HiFi-GAN's upsampling). */
function upsample(g: Graph, x: string, cIn: number, cOut: number, stride: number): string {
  const k = 2 * stride;
  return g.op(
    'ConvTranspose',
    [x, g.weight([cIn, cOut, k], 1 / Math.sqrt(cIn * 2)), g.weight([cOut], 0.02)],
    {
      strides: [stride],
      pads: [stride / 2, stride / 2],
    },
  );
}

/** HiFi-GAN's multi-receptive-field block: the mean of residual stacks with kernels 3, 7, 11. */
function mrf(g: Graph, x: string, c: number): string {
  const { kernels, dilations } = KOKORO_STAND_IN.generator;
  const branches = kernels.map((k) => {
    let h = x;
    for (const d of dilations) {
      const y = conv1d(g, leaky(g, conv1d(g, leaky(g, h), c, c, k, d)), c, c, k);
      h = g.op('Add', [h, y]);
    }
    return h;
  });
  const sum = branches.slice(1).reduce((a, b) => g.op('Add', [a, b]), branches[0] as string);
  return g.op('Mul', [sum, g.floats([1 / kernels.length], [])]);
}

/** One ALBERT layer whose weights every application shares: [1, T, d] → [1, T, d]. */
function sharedAlbertLayer(g: Graph): (h: string) => string {
  const { d, heads, ffn } = KOKORO_STAND_IN.albert;
  const hd = d / heads;
  const w = (dIn: number, dOut: number) => ({
    m: g.weight([dIn, dOut], 1 / Math.sqrt(dIn)),
    b: g.weight([dOut], 0.02),
  });
  const [q, k, v, o, up, down] = [w(d, d), w(d, d), w(d, d), w(d, d), w(d, ffn), w(ffn, d)];
  const lin = (x: string, p: { m: string; b: string }) => g.op('Add', [g.op('MatMul', [x, p.m]), p.b]);
  return (h) => {
    const att = attention(
      g,
      splitHeads(g, lin(h, q), heads, hd),
      splitHeads(g, lin(h, k), heads, hd),
      splitHeads(g, lin(h, v), heads, hd),
      hd,
    );
    const a = layerNorm(g, g.op('Add', [h, lin(mergeHeads(g, att, d), o)]), d);
    return layerNorm(g, g.op('Add', [a, lin(gelu(g, lin(a, up)), down)]), d);
  };
}

/** The stand-in graph: `input_ids i64[1,T]`, `style f32[1,256]`, `speed f32[1]` → `waveform f32[1,S]`. */
export function kokoroStandInGraph(seed: number): Graph {
  const K = KOKORO_STAND_IN;
  const g = new Graph('kokoro_stand_in', seed);
  const ids = g.input('input_ids', 'int64', [1, 'sequence_length']);
  const style = g.input('style', 'float32', [1, 256]);
  const speed = g.input('speed', 'float32', [1]);
  // Phoneme rate, [1, T, c].
  const emb = g.op('Gather', [g.weight([K.vocab, K.albert.embed], 0.5, 'emb'), ids]);
  let h = g.op('MatMul', [emb, g.weight([K.albert.embed, K.albert.d], 1 / Math.sqrt(K.albert.embed))]);
  h = g.op('Add', [
    h,
    g.op('Gather', [
      g.weight([512, K.albert.d], 0.1, 'pos'),
      g.op('Range', [
        g.ints([0], []),
        g.op('Squeeze', [g.op('Shape', [ids], { start: 1, end: 2 }), g.ints([0])]),
        g.ints([1], []),
      ]),
    ]),
  ]);
  const layer = sharedAlbertLayer(g);
  for (let i = 0; i < K.albert.applications; i++) h = layer(h);
  const p = K.phoneme.d;
  h = g.op('MatMul', [h, g.weight([K.albert.d, p], 1 / Math.sqrt(K.albert.d))]);
  h = g.op('Add', [h, g.op('MatMul', [style, g.weight([256, p], 0.06)])]);
  let c = g.op('Transpose', [h], { perm: [0, 2, 1] });
  for (let i = 0; i < K.phoneme.blocks; i++) {
    c = g.op('Add', [c, conv1d(g, leaky(g, c), p, p, 5)]);
    let t = g.op('Transpose', [c], { perm: [0, 2, 1] });
    const mid = gelu(g, g.op('MatMul', [layerNorm(g, t, p), g.weight([p, K.phoneme.ffn], 1 / Math.sqrt(p))]));
    t = g.op('Add', [t, g.op('MatMul', [mid, g.weight([K.phoneme.ffn, p], 1 / Math.sqrt(K.phoneme.ffn))])]);
    c = g.op('Transpose', [t], { perm: [0, 2, 1] });
  }
  // Durations: every phoneme lasts framesPerPhoneme / speed frames at 40 Hz.
  const phonemes = g.op('Cast', [g.op('Shape', [c], { start: 2, end: 3 })], { to: 1 });
  const frames = g.op('Ceil', [
    g.op('Div', [g.op('Mul', [phonemes, g.floats([K.framesPerPhoneme], [])]), speed]),
  ]);
  const sizes = g.op('Concat', [g.ints([1, p]), g.op('Cast', [frames], { to: 7 })], { axis: 0 });
  c = g.op('Resize', [c, '', '', sizes], { mode: 'nearest' });
  // 40 Hz decoder blocks.
  const f = K.frames.d;
  c = conv1d(g, c, p, f, 3);
  c = g.op('Add', [c, g.op('Unsqueeze', [g.op('MatMul', [style, g.weight([256, f], 0.06)]), g.ints([2])])]);
  for (let i = 0; i < K.frames.blocks; i++)
    c = g.op('Add', [c, conv1d(g, leaky(g, conv1d(g, leaky(g, c), f, f, 3)), f, f, 3)]);
  c = conv1d(g, leaky(g, c), f, p, 3);
  c = upsample(g, c, p, p, 2);
  // iSTFTNet generator: 80 Hz → 800 Hz → 4800 Hz, then overlap-add to 24 kHz.
  let ch: number = p;
  for (const [i, out] of K.generator.channels.entries()) {
    c = upsample(g, leaky(g, c), ch, out, K.generator.upsample[i] as number);
    ch = out;
    c = mrf(g, c, ch);
  }
  const bins = K.istft.nFft + 2;
  const spec = g.op('Tanh', [conv1d(g, leaky(g, c), ch, bins, 7)]);
  const { nFft, hop } = K.istft;
  const wave = g.op('ConvTranspose', [spec, g.weight([bins, 1, nFft], 0.2)], {
    strides: [hop],
    pads: [(nFft - hop) / 2 - 0.5 * ((nFft - hop) % 2), (nFft - hop) / 2 + 0.5 * ((nFft - hop) % 2)],
  });
  g.output('waveform', 'float32', [1, 'num_samples'], g.op('Reshape', [wave, g.ints([1, -1])]));
  return g;
}
