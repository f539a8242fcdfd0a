import { describe, expect, it } from 'vitest';
import { SileroVad, VAD_WINDOW_SAMPLES } from '../../models/vad/sileroVad.js';
import { LIBRIVOX_WAV, read16k } from '../helpers/audio.js';

const rssMb = () => process.memoryUsage().rss / 1e6;

describe('model lifecycle', () => {
  it('does not grow RSS over thousands of create/process/dispose cycles of per-stream state', async () => {
    const vad = await SileroVad.load();
    const window = read16k(LIBRIVOX_WAV).subarray(0, VAD_WINDOW_SAMPLES);
    const cycle = async () => {
      const s = vad.createState();
      await s.process(window);
      s.dispose();
    };
    // Garbage must be collected for RSS to mean anything (vitest runs these files with --expose-gc).
    expect(typeof globalThis.gc).toBe('function');
    // Native tensor memory is released by finalizers after a collection: collect, let them run, collect again.
    const gc = async () => {
      for (let i = 0; i < 3; i++) {
        (globalThis.gc as () => void)();
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    for (let i = 0; i < 3000; i++) await cycle();
    await gc();
    const jsMb = () => (process.memoryUsage().heapUsed + process.memoryUsage().external) / 1e6;
    const js0 = jsMb();
    const rss = [rssMb()];
    const ROUNDS = 5;
    const CYCLES_PER_ROUND = 4000;
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < CYCLES_PER_ROUND; i++) await cycle();
      await gc();
      rss.push(rssMb());
    }
    const jsGrownMb = jsMb() - js0;
    const roundGrowthMb = rss.slice(1).map((x, i) => x - (rss[i] as number));
    console.log(
      `VAD stream cycles, RSS after warm-up and after each of ${ROUNDS} rounds of ${CYCLES_PER_ROUND}: ${rss.map((x) => x.toFixed(1)).join(' ')} MB; JS heap + external grew ${jsGrownMb.toFixed(2)} MB`,
    );
    // A leaked stream keeps its RNN state and window buffers (~3.3 kB of typed arrays): 75 MB measured over 20,000 cycles.
    expect(jsGrownMb).toBeLessThan(2);
    // RSS climbs for a while as V8 and the allocators size their pools (up to ~15 MB measured here), then stays
    // within 0.5 MB per round. A leaked stream adds 13–30 MB of RSS in every round, so one flat round is required.
    expect(Math.min(...roundGrowthMb)).toBeLessThan(4);
    await vad.dispose();
  });

  it('frees native sessions on dispose: 40 load/dispose cycles stay flat', async () => {
    for (let i = 0; i < 5; i++) await (await SileroVad.load()).dispose();
    const before = rssMb();
    for (let i = 0; i < 40; i++) {
      const vad = await SileroVad.load();
      await vad.createState().process(new Float32Array(512));
      await vad.dispose();
    }
    const grownMb = rssMb() - before;
    console.log(`RSS change over 40 session load/dispose cycles: ${grownMb.toFixed(1)} MB`);
    // A leaked session keeps its 2.3 MB of weights plus arenas, tens of MB over 40 cycles.
    expect(grownMb).toBeLessThan(30);
  });

  it('refuses to run a disposed model with a typed error', async () => {
    const vad = await SileroVad.load();
    const s = vad.createState();
    await vad.dispose();
    await expect(s.process(new Float32Array(512))).rejects.toMatchObject({ code: 'ERR_MODEL_DISPOSED' });
  });
});
