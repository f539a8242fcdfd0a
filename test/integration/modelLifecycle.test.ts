import { describe, expect, it } from 'vitest';
import { SileroVad } from '../../models/vad/sileroVad.js';
import { LIBRIVOX_WAV, read16k } from '../helpers/audio.js';

const rssMb = () => process.memoryUsage().rss / 1e6;

describe('model lifecycle', () => {
  it('does not grow RSS over thousands of create/process/dispose cycles of per-stream state', async () => {
    const vad = await SileroVad.load();
    const audio = read16k(LIBRIVOX_WAV).subarray(0, 1024);
    const cycle = async () => {
      const s = vad.createState();
      await s.process(audio);
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
    // Warm up until allocators and ORT's arenas reach their working size.
    for (let i = 0; i < 3000; i++) await cycle();
    await gc();
    const jsMb = () => (process.memoryUsage().heapUsed + process.memoryUsage().external) / 1e6;
    const rss0 = rssMb();
    const js0 = jsMb();
    const rss: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 1000; i++) await cycle();
      await gc();
      rss.push(rssMb());
    }
    const jsGrownMb = jsMb() - js0;
    const rssGrownMb = Math.max(...rss) - rss0;
    console.log(
      `over 4,000 VAD stream cycles: RSS ${rss0.toFixed(1)} -> ${rss.map((x) => x.toFixed(1)).join(' ')} MB; JS heap + external ${jsGrownMb.toFixed(2)} MB`,
    );
    // A leaked stream (RNN state + window buffers, ~3.3 kB of typed arrays) adds ~13 MB to both over 4,000 cycles.
    expect(jsGrownMb).toBeLessThan(2);
    // RSS also moves with allocator and ORT arena noise (measured 1–9 MB here); a native leak per run is far larger.
    expect(rssGrownMb).toBeLessThan(20);
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
