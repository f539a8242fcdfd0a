import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATOR_VERSION, GENERATORS, type TinyModelName } from '../../models/tiny/generators.js';
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
