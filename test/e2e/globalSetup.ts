import { execFileSync } from 'node:child_process';
import { colourY4m, speechWav } from '../helpers/fixtures.js';

/** Builds the browser bundle and the media fixtures once for all e2e files. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-client.mjs'], { stdio: 'inherit' });
  speechWav();
  colourY4m();
}
