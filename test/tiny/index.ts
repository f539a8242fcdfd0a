import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DIR } from '../helpers/fixtures.js';
import { writeSmartTurnTiny } from './smartTurnTiny.js';
import { writeSmolVlmTiny } from './smolvlmTiny.js';
import { writeKokoroTiny, writePiperTiny } from './ttsTiny.js';
import { writeWhisperTiny } from './whisperTiny.js';

/** Bump when a generator changes, so cached models are rebuilt. */
const GENERATOR_VERSION = 6;

const GENERATORS = {
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

/**
 * The directory of a tiny-random model with the real export's file layout and
 * tensor contracts, generated on first use and cached under test/.fixtures.
 */
export function tinyModelDir(name: keyof typeof GENERATORS): string {
  const dir = join(FIXTURE_DIR, 'tiny', `${name}-v${GENERATOR_VERSION}`);
  if (!existsSync(dir)) {
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    GENERATORS[name](tmp);
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another worker won the race
    }
  }
  return dir;
}
