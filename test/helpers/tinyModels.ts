import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ModelManager } from '../../models/manager/manager.js';
import { GENERATOR_VERSION, GENERATORS, type TinyModelName } from '../../models/tiny/generators.js';
import { writeTinyModelSet } from '../../models/tiny/tinySet.js';
import { FIXTURE_DIR } from './fixtures.js';

/**
 * The directory of a tiny-random model with the real export's file layout and
 * tensor contracts, generated on first use and cached under test/.fixtures.
 */
export function tinyModelDir(name: TinyModelName): string {
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

/**
 * A models directory holding the tiny random stand-ins of a whole set, laid
 * out like the real downloads (what `sightline models tiny DIR` writes), cached
 * under test/.fixtures: point SIGHTLINE_MODELS_DIR at it.
 */
export function tinyModelSetDir(set = 'default'): string {
  const dir = join(FIXTURE_DIR, 'tiny', `set-${set}-v${GENERATOR_VERSION}`);
  if (!existsSync(dir)) {
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    const manager = new ModelManager({ dir: tmp, baseUrl: 'http://127.0.0.1:1' });
    writeTinyModelSet(manager.resolve([set]), (m) => manager.pathOf(m));
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another worker won the race
    }
  }
  return dir;
}
