// @ts-check
/**
 * Mutation testing with StrykerJS: `npm run test:mutation` (not in CI: it takes tens of minutes on
 * 2 cores). It mutates the pure-logic modules that the unit tests cover and runs, for each mutant,
 * only the unit tests that reach it. One module: `npm run test:mutation -- --mutate protocol/messages.ts`.
 * Scores per file are printed at the end; the HTML report is written to dist/mutation/index.html.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.mjs', related: true },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // Static mutants (module-level constants) need a fresh module graph and every test: slow, and rare here.
  ignoreStatic: true,
  mutate: [
    'server/media/rtp.ts',
    'server/media/audio-in/jitterBuffer.ts',
    'server/media/audio-in/pcmFramer.ts',
    'server/media/video-in/ppmParser.ts',
    'server/media/audio-out/pacer.ts',
    'server/signaling/rateLimiter.ts',
    'protocol/messages.ts',
    'models/runtime/kvCache.ts',
    'models/audio/logMel.ts',
    'models/stt/timestampRules.ts',
    'models/vlm/sampling.ts',
    'models/vlm/prompt.ts',
    'pipelines/speak/sentences.ts',
    'models/vad/sileroVad.ts',
    'models/ocr/ctc.ts',
  ],
  // dist/ and .cache/ are build and download outputs; nothing the unit tests read.
  ignorePatterns: ['dist', '.cache'],
  // Under dist/ so that git, tsc and biome leave the sandboxes and the reports alone.
  tempDirName: 'dist/stryker-tmp',
  cleanTempDir: 'always',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'dist/mutation/index.html' },
  jsonReporter: { fileName: 'dist/mutation/mutation.json' },
  incrementalFile: 'dist/mutation/incremental.json',
  // The target is 70 % per module; the run reports, it does not fail on, a lower score.
  thresholds: { high: 80, low: 70, break: null },
};
