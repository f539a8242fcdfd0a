import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelEntry, ModelRole } from '../manager/manifest.js';
import { ModelError } from '../runtime/errors.js';
import { GENERATOR_VERSION, GENERATORS, type TinyModelName } from './generators.js';

/**
 * The marker file a tiny-random model directory carries (beside the model's
 * own files), so whoever loads it can say loudly that answers are noise.
 */
export const TINY_MODEL_MARKER = 'SIGHTLINE_TINY_MODELS';

/** What the marker file holds. */
export interface TinyModelMarker {
  generatorVersion: number;
  generator: TinyModelName;
  model: string;
  warning: string;
}

/** The tiny generator that writes a stand-in for a manifest model, by its role (and `.en` for English-only Whisper). */
export function tinyGeneratorFor(model: ModelEntry): TinyModelName {
  const byRole: Record<ModelRole, TinyModelName> = {
    stt: model.id.endsWith('.en') ? 'whisper-en' : 'whisper',
    vlm: 'smolvlm',
    tts: 'kokoro',
    turn: 'smart-turn',
    'text-image': 'siglip',
  };
  return byRole[model.role];
}

/** True when `modelDir` was written by the tiny generators. */
export function isTinyModelDir(modelDir: string): boolean {
  return existsSync(join(modelDir, TINY_MODEL_MARKER));
}

/**
 * Writes tiny-random stand-ins for `models`, each in `modelDirOf(model)`
 * exactly where the real download would put its files, plus the marker. A
 * directory that already holds other files (a real download) is refused, never
 * overwritten; one that holds a tiny model is rewritten.
 */
export function writeTinyModelSet(
  models: ModelEntry[],
  modelDirOf: (model: ModelEntry) => string,
  onModel: (model: ModelEntry, dir: string, event: 'writing' | 'done', elapsedMs: number) => void = () => {},
): void {
  for (const model of models) {
    const dir = modelDirOf(model);
    if (existsSync(dir) && readdirSync(dir).length > 0 && !isTinyModelDir(dir)) {
      throw new ModelError(
        'ERR_MODEL_INPUT',
        `${dir} already holds files that are not tiny test models (a real download?): choose another directory`,
      );
    }
  }
  for (const model of models) {
    const dir = modelDirOf(model);
    const generator = tinyGeneratorFor(model);
    const t0 = performance.now();
    onModel(model, dir, 'writing', 0);
    mkdirSync(dir, { recursive: true });
    GENERATORS[generator](dir);
    const marker: TinyModelMarker = {
      generatorVersion: GENERATOR_VERSION,
      generator,
      model: model.id,
      warning: 'random weights for tests and wiring demos: every answer is noise',
    };
    writeFileSync(join(dir, TINY_MODEL_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    onModel(model, dir, 'done', performance.now() - t0);
  }
}
