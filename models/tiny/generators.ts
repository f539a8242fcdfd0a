import { writeSmartTurnTiny } from './smartTurnTiny.js';
import { writeSmolVlmTiny } from './smolvlmTiny.js';
import { writeKokoroTiny, writePiperTiny } from './ttsTiny.js';
import { writeWhisperTiny } from './whisperTiny.js';

/** Bump when a generator changes, so cached models are rebuilt. */
export const GENERATOR_VERSION = 6;

export const GENERATORS = {
  whisper: (dir: string) => writeWhisperTiny(dir),
  /** English-only (`*.en`): no language or task token, specials one id lower. */
  'whisper-en': (dir: string) => writeWhisperTiny(dir, { englishOnly: true }),
  /** A tokenizer.json without the `<|0.00|>`… timestamp tokens (the model still has them). */
  'whisper-no-timestamp-tokens': (dir: string) => writeWhisperTiny(dir, { timestampTokens: false }),
  /** A float16 export: features, hidden states, cache and logits in float16. */
  'whisper-fp16': (dir: string) => writeWhisperTiny(dir, { floatType: 'float16' }),
  /** A float64 export, which the runner must refuse at load. */
  'whisper-fp64': (dir: string) => writeWhisperTiny(dir, { floatType: 'float64' }),
  smolvlm: writeSmolVlmTiny,
  kokoro: writeKokoroTiny,
  piper: (dir: string) => void writePiperTiny(dir),
  'smart-turn': writeSmartTurnTiny,
} as const;

/** A name of {@link GENERATORS}. */
export type TinyModelName = keyof typeof GENERATORS;
