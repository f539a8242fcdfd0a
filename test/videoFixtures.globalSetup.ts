import { allTestVideos } from './helpers/videos.js';

/**
 * Makes every test video once, before any test file runs (ffmpeg, espeak-ng and
 * sox; cached in test/.fixtures): a test never pays for an encode inside its
 * own timeout, and parallel files never race to make the same file.
 */
export default function setup(): void {
  const t0 = performance.now();
  const made = allTestVideos();
  const ms = Math.round(performance.now() - t0);
  if (ms > 1000) process.stdout.write(`[fixtures] ${made.length} test videos ready in ${ms} ms\n`);
}
