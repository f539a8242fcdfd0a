import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeSiglipTiny } from './siglipTiny.js';
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
  /** SigLIP's two towers (Xenova/siglip-base-patch16-224 layout): the optional text–image model. */
  siglip: writeSiglipTiny,
} as const;

/** A name of {@link GENERATORS}. */
export type TinyModelName = keyof typeof GENERATORS;

/** Bump when a real-size generator changes, so cached real-size models are rebuilt. */
export const REAL_SIZE_VERSION = 1;

/**
 * Random-weight graphs with the default set's real dimensions and layer counts,
 * in the real downloads' layout: what the real models cost on a machine, without
 * their weights. Hundreds of MB each (SmolVLM2-256M about 1 GB): generated on
 * demand by `realSizeModelDir`, never in tests.
 */
export const REAL_SIZE_GENERATORS = {
  /** openai/whisper-base: 6 + 6 layers of 512, 8 heads, 80 mels, 1500 audio positions, 51865 tokens. */
  'whisper-base': (dir: string) => writeWhisperTiny(dir, { realSize: true }),
  /** SmolVLM2-256M: SigLIP-B/16 at 512² (12 × 768) + pixel shuffle 4 → 64 × 576; 30 × 576 text, 9/3 heads. */
  'smolvlm2-256m': (dir: string) => writeSmolVlmTiny(dir, 11, { realSize: true }),
  /** Kokoro-82M: a stand-in with its parameter count and rates (not its StyleTTS2/iSTFTNet layers). */
  'kokoro-82m': (dir: string) => writeKokoroTiny(dir, 21, { realSize: true }),
  /** Smart Turn v3: a Whisper-tiny-sized encoder (384, 4 layers, 6 heads) on [B, 80, 800], float32. */
  'smart-turn-v3': (dir: string) => writeSmartTurnTiny(dir, 31, { realSize: true }),
} as const;

/** A name of {@link REAL_SIZE_GENERATORS}. */
export type RealSizeModelName = keyof typeof REAL_SIZE_GENERATORS;

/** Where real-size stand-ins are cached: `$SIGHTLINE_REAL_SIZE_DIR`, else ~/.cache/sightline/real-size. */
export function realSizeCacheDir(): string {
  return process.env.SIGHTLINE_REAL_SIZE_DIR ?? join(homedir(), '.cache', 'sightline', 'real-size');
}

/** The directory of a real-size stand-in, generated on first use (seconds to a minute) and cached under `root`. */
export function realSizeModelDir(name: RealSizeModelName, root = realSizeCacheDir()): string {
  const dir = join(root, `${name}-r${REAL_SIZE_VERSION}`);
  if (existsSync(dir)) return dir;
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    REAL_SIZE_GENERATORS[name](tmp);
    renameSync(tmp, dir);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw error; // else another process won the race
  }
  return dir;
}
