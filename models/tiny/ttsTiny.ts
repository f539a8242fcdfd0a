import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../runtime/random.js';
import { kokoroStandInGraph } from './kokoroStandIn.js';
import { Graph } from './onnxGraph.js';

/** Kokoro's symbol set (pad `$` first): punctuation, then IPA letters. */
export const KOKORO_SYMBOLS = `$;:,.!?¡¿—…"«»“” ̃ʣʥʦʨᵝꭧAIOQSTWYᵊabcdefhijklmnopqrstuvwxyzɑɐɒæβɔɕçɖðʤəɚɛɜɟɡɥɨɪʝɯɰŋɳɲɴøɸθœɹɾɻʁɽʂʃʈʧʊʋʌɣɤχʎʒʔˈˌːʰʲ↓→↗↘ᵻ`;
const SAMPLES_PER_TOKEN = 300;

/** ids → per-token waveform snippets, scaled by a style-derived gain, resampled to length / `speedInput`. */
function speechGraph(
  name: string,
  seed: number,
  vocab: number,
  ids: string,
  lengthScale: (g: Graph) => string,
  gain: (g: Graph) => string,
): Graph {
  const g = new Graph(name, seed);
  const snippets = g.op('Tanh', [g.op('Gather', [g.weight([vocab, SAMPLES_PER_TOKEN], 2, 'snip'), ids])]);
  const flat = g.op('Reshape', [g.op('Mul', [snippets, gain(g)]), g.ints([1, 1, -1])]);
  const n = g.op('Cast', [g.op('Shape', [flat], { start: 2, end: 3 })], { to: 1 });
  const outLen = g.op('Cast', [g.op('Ceil', [g.op('Mul', [n, lengthScale(g)])])], { to: 7 });
  const sizes = g.op('Concat', [g.ints([1, 1]), outLen], { axis: 0 });
  const empty = g.floats([], [0]);
  g.nodes.push({
    opType: 'Resize',
    input: [flat, '', empty, sizes],
    output: ['resized'],
    name: 'resize',
    attribute: [{ name: 'mode', type: 3, s: new TextEncoder().encode('linear') }],
  });
  return g;
}

/**
 * A Kokoro-shaped model: input_ids [1,T], style [1,256], speed [1] → waveform [1,S] (24 kHz).
 * With `realSize`, the graph is `kokoroStandInGraph`: Kokoro-82M's parameter count and rates.
 */
export function writeKokoroTiny(dir: string, seed = 21, options: { realSize?: boolean } = {}): void {
  const g = options.realSize ? kokoroStandInGraph(seed) : kokoroTinyGraph(seed);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  mkdirSync(join(dir, 'voices'), { recursive: true });
  writeFileSync(join(dir, 'onnx', 'model.onnx'), g.toBytes());
  writeKokoroFiles(dir, seed);
}

function kokoroTinyGraph(seed: number): Graph {
  const vocab = Array.from(KOKORO_SYMBOLS).length;
  const g = speechGraph(
    'kokoro_tiny',
    seed,
    vocab,
    'input_ids',
    (gr) => gr.op('Reciprocal', ['speed']),
    (gr) =>
      gr.op('Add', [
        gr.floats([0.6], []),
        gr.op('Mul', [
          gr.floats([0.3], []),
          gr.op('Tanh', [gr.op('MatMul', ['style', gr.weight([256, 1], 0.1)])]),
        ]),
      ]),
  );
  g.input('input_ids', 'int64', [1, 'sequence_length']);
  g.input('style', 'float32', [1, 256]);
  g.input('speed', 'float32', [1]);
  g.output('waveform', 'float32', [1, 'num_samples'], g.op('Reshape', ['resized', g.ints([1, -1])]));
  return g;
}

/** Voices, tokenizer and config of a Kokoro directory. */
function writeKokoroFiles(dir: string, seed: number): void {
  const rnd = mulberry32(seed);
  for (const voice of ['af_heart', 'am_adam']) {
    writeFileSync(
      join(dir, 'voices', `${voice}.bin`),
      Buffer.from(Float32Array.from({ length: 510 * 256 }, () => rnd() * 2 - 1).buffer),
    );
  }
  const vocabMap = Object.fromEntries(Array.from(KOKORO_SYMBOLS).map((ch, i) => [ch, i]));
  writeFileSync(
    join(dir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [
        {
          id: 0,
          content: '$',
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
          special: true,
        },
      ],
      normalizer: null,
      pre_tokenizer: { type: 'Split', pattern: { Regex: '' }, behavior: 'Isolated', invert: false },
      post_processor: {
        type: 'TemplateProcessing',
        single: [
          { SpecialToken: { id: '$', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '$', type_id: 0 } },
        ],
        pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { $: { id: '$', ids: [0], tokens: ['$'] } },
      },
      decoder: null,
      model: { type: 'WordLevel', vocab: vocabMap, unk_token: '$' },
    }),
  );
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ model_max_length: 512, pad_token: '$', unk_token: '$' }),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ model_type: 'style_text_to_speech_2', sample_rate: 24000 }),
  );
}

/** A Piper-shaped voice: input [1,T], input_lengths [1], scales [3] → output [1,1,1,S] (22.05 kHz). */
export function writePiperTiny(dir: string, seed = 31): string {
  const symbols = ['_', '^', '$', ' ', ...Array.from(KOKORO_SYMBOLS.slice(1))];
  const g = speechGraph(
    'piper_tiny',
    seed,
    symbols.length,
    'input',
    (gr) => gr.op('Gather', ['scales', gr.ints([1], [])]),
    (gr) => gr.floats([0.7], []),
  );
  // The real export's batch axis is symbolic (piper_train export_onnx dynamic_axes).
  g.input('input', 'int64', ['batch_size', 'phonemes']);
  g.input('input_lengths', 'int64', ['batch_size']);
  g.input('scales', 'float32', [3]);
  g.output(
    'output',
    'float32',
    ['batch_size', 1, 1, 'time'],
    g.op('Reshape', [
      g.op('Mul', ['resized', g.op('Cast', [g.op('Div', ['input_lengths', 'input_lengths'])], { to: 1 })]),
      g.op('Concat', [g.op('Shape', ['input'], { start: 0, end: 1 }), g.ints([1, 1, -1])], { axis: 0 }),
    ]),
  );
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'en_US-tiny-medium.onnx');
  writeFileSync(path, g.toBytes());
  writeFileSync(
    `${path}.json`,
    JSON.stringify({
      audio: { sample_rate: 22050, quality: 'medium' },
      espeak: { voice: 'en-us' },
      inference: { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 },
      phoneme_type: 'espeak',
      phoneme_id_map: Object.fromEntries(symbols.map((s, i) => [s, [i]])),
      num_symbols: symbols.length,
      num_speakers: 1,
      speaker_id_map: {},
    }),
  );
  return path;
}
