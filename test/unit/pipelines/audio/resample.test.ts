import pkg from '@alexanderolsen/libsamplerate-js';
import { afterEach, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { silentLogger } from '../../../../core/log.js';
import type { PcmChunk } from '../../../../core/media.js';
import { createResampler } from '../../../../pipelines/audio/resample.js';
import { collect } from '../../../helpers/collect.js';
import { energyAboveDb, fromPcm16, logSweep, snrDb, toPcm16 } from '../../../helpers/sweep.js';

const ctx = { log: silentLogger };
const to48k = createResampler({ targetRateHz: 48000 });

/** `pcm` as a stream of chunks of the given sizes (cycled), with true ptsMs from `startMs`. */
async function* chunked(
  pcm: Int16Array,
  rateHz: number,
  sizes: number[],
  startMs = 0,
): AsyncGenerator<PcmChunk> {
  for (let i = 0, k = 0; i < pcm.length; k++) {
    const n = sizes[k % sizes.length] as number;
    yield { samples: pcm.subarray(i, i + n), sampleRateHz: rateHz, ptsMs: startMs + (i * 1000) / rateHz };
    i += n;
  }
}

function concat(chunks: PcmChunk[]): Int16Array {
  const out = new Int16Array(chunks.reduce((a, c) => a + c.samples.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c.samples, offset);
    offset += c.samples.length;
  }
  return out;
}

/** Every converter the resampler used, through the library's own methods. */
let srcProto: { full: (...a: never[]) => unknown; destroy: () => void };
let full: MockInstance;
let destroy: MockInstance;
beforeAll(async () => {
  const probe = await pkg.create(1, 24000, 48000);
  srcProto = Object.getPrototypeOf(probe);
  probe.destroy();
});
function spyOnConverters() {
  full = vi.spyOn(srcProto, 'full');
  destroy = vi.spyOn(srcProto, 'destroy');
}
afterEach(() => vi.restoreAllMocks());
/** True when every converter that resampled something has been destroyed exactly once. */
function allConvertersFreed(): boolean {
  const used = new Set(full.mock.contexts);
  const freed = destroy.mock.contexts;
  return used.size > 0 && freed.length === used.size && freed.every((c) => used.has(c));
}

describe.each([22050, 24000])('resampling a %i Hz sweep to 48 kHz', (rateHz) => {
  // 50 Hz to 80 % of the source Nyquist: the band the default converter keeps flat.
  const sweep = { durationS: 2, fromHz: 50, toHz: rateHz * 0.4, amplitude: 0.5 };
  const input = toPcm16(logSweep({ ...sweep, rateHz }));
  const ideal = logSweep({ ...sweep, rateHz: 48000 });

  it('matches the ideal 48 kHz sweep (SNR ≥ 80 dB) and adds nothing above the source Nyquist (≤ −85 dB)', async () => {
    const out = fromPcm16(concat(await collect(to48k(chunked(input, rateHz, [441, 480]), ctx))));
    expect(out.length).toBe(ideal.length);
    // Measured 89 dB and −95/−98 dB; linear interpolation gets ~4 dB and −21/−24 dB.
    expect(snrDb(ideal, out, 0, ideal.length)).toBeGreaterThan(80);
    expect(energyAboveDb(out, 48000, rateHz / 2, 0, out.length)).toBeLessThan(-85);
  });

  it('gives the same samples however the input is chunked', async () => {
    const whole = concat(await collect(to48k(chunked(input, rateHz, [input.length]), ctx)));
    const ragged = concat(await collect(to48k(chunked(input, rateHz, [1, 7, 480, 4410, 33]), ctx)));
    expect(ragged).toEqual(whole);
  });
});

describe('resampler stream', () => {
  it('flushes the held-back tail: exactly inputSamples × ratio come out, the last input included', async () => {
    // 1,001 samples at 24 kHz, an impulse on the very last one.
    const pcm = new Int16Array(1001);
    pcm[1000] = 20000;
    const out = concat(await collect(to48k(chunked(pcm, 24000, [160]), ctx)));
    expect(out.length).toBe(2002);
    const peak = out.reduce((best, v, i) => (Math.abs(v) > Math.abs(out[best] as number) ? i : best), 0);
    expect(peak).toBe(2000);
    // 441 samples at 22.05 kHz are 20 ms: 960 at 48 kHz.
    expect(concat(await collect(to48k(chunked(new Int16Array(441), 22050, [100]), ctx))).length).toBe(960);
  });

  it('keeps ptsMs true: each output sample sits at the time of the input it came from', async () => {
    const pcm = new Int16Array(24000);
    pcm[12000] = 20000; // 500 ms into an input that starts at 1,234 ms
    const chunks = await collect(to48k(chunked(pcm, 24000, [480], 1234), ctx));
    let expectedPtsMs = 1234;
    let peakPtsMs = Number.NaN;
    for (const c of chunks) {
      expect(c.sampleRateHz).toBe(48000);
      expect(c.ptsMs).toBeCloseTo(expectedPtsMs, 9);
      const i = c.samples.indexOf(Math.max(...c.samples));
      if ((c.samples[i] as number) > 10000) peakPtsMs = c.ptsMs + (i * 1000) / 48000;
      expectedPtsMs += (c.samples.length * 1000) / 48000;
    }
    expect(peakPtsMs).toBeCloseTo(1734, 6);
  });

  it('passes chunks already at the target rate through untouched', async () => {
    spyOnConverters();
    const input: PcmChunk[] = [
      { samples: new Int16Array([1, 2, 3]), sampleRateHz: 48000, ptsMs: 0 },
      { samples: new Int16Array([4, 5]), sampleRateHz: 48000, ptsMs: 1 / 16 },
    ];
    const out = await collect(
      to48k(
        (async function* () {
          yield* input;
        })(),
        ctx,
      ),
    );
    expect(out).toHaveLength(2);
    expect(out[0]).toBe(input[0]);
    expect(out[1]).toBe(input[1]);
    expect(full).not.toHaveBeenCalled();
  });

  it('follows a change of input rate and a jump in input time, flushing each run whole', async () => {
    spyOnConverters();
    const a = chunked(new Int16Array(2400).fill(1000), 24000, [480], 0); // 100 ms
    const b = chunked(new Int16Array(2205).fill(1000), 22050, [441], 100); // next 100 ms, new rate
    const c = chunked(new Int16Array(2205).fill(1000), 22050, [441], 5000); // after a gap
    const out = await collect(
      to48k(
        (async function* () {
          yield* a;
          yield* b;
          yield* c;
        })(),
        ctx,
      ),
    );
    const starts = out.map((ch) => ch.ptsMs);
    expect(concat(out).length).toBe(3 * 4800);
    expect(starts[0]).toBe(0);
    expect(starts).toContain(100);
    expect(starts).toContain(5000);
    const afterGap = out.filter((ch) => ch.ptsMs >= 5000);
    expect(concat(afterGap).length).toBe(4800);
    expect(new Set(full.mock.contexts).size).toBe(3);
    expect(allConvertersFreed()).toBe(true);
  });

  it('frees the converter when the input ends', async () => {
    spyOnConverters();
    await collect(to48k(chunked(new Int16Array(4800), 24000, [480]), ctx));
    expect(allConvertersFreed()).toBe(true);
  });

  it('frees the converter and returns the input when the consumer stops early', async () => {
    spyOnConverters();
    let returned = false;
    const endless = (async function* (): AsyncGenerator<PcmChunk> {
      try {
        for (let k = 0; ; k++) yield { samples: new Int16Array(480), sampleRateHz: 24000, ptsMs: k * 20 };
      } finally {
        returned = true;
      }
    })();
    for await (const _ of to48k(endless, ctx)) break;
    expect(allConvertersFreed()).toBe(true);
    expect(returned).toBe(true);
  });

  it('on abort while the input is blocked: rejects with the reason, frees the converter, returns the input', async () => {
    spyOnConverters();
    const ac = new AbortController();
    let reads = 0;
    const returnInput = vi.fn(async () => ({ value: undefined, done: true as const }));
    const stalled: AsyncIterable<PcmChunk> = {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          reads++ === 0
            ? Promise.resolve({
                value: { samples: new Int16Array(480), sampleRateHz: 24000, ptsMs: 0 },
                done: false,
              })
            : new Promise<never>(() => undefined), // TTS that never answers
        return: returnInput,
      }),
    };
    const out = to48k(stalled, { ...ctx, signal: ac.signal });
    await out.next();
    const pending = out.next();
    ac.abort(new Error('barge-in'));
    await expect(pending).rejects.toThrow('barge-in');
    expect(allConvertersFreed()).toBe(true);
    expect(returnInput).toHaveBeenCalledOnce();
  });

  it('refuses a target rate that is not a positive integer', () => {
    expect(() => createResampler({ targetRateHz: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});
