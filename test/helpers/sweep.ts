import { RealFftPlan } from '../../models/audio/fft.js';

/**
 * An exponential sine sweep with 20 ms raised-cosine fades at both ends (so its edges are
 * band-limited too), as the continuous signal sampled at `rateHz`: at any rate it is the ideal.
 */
export function logSweep(p: {
  rateHz: number;
  durationS: number;
  fromHz: number;
  toHz: number;
  amplitude: number;
}): Float64Array {
  const n = Math.round(p.rateHz * p.durationS);
  const k = Math.log(p.toHz / p.fromHz);
  const fadeS = 0.02;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / p.rateHz;
    const phase = ((2 * Math.PI * p.fromHz * p.durationS) / k) * (Math.exp((k * t) / p.durationS) - 1);
    const edge = Math.min(t, p.durationS - t) / fadeS;
    const gain = edge >= 1 ? 1 : edge <= 0 ? 0 : 0.5 - 0.5 * Math.cos(Math.PI * edge);
    out[i] = p.amplitude * gain * Math.sin(phase);
  }
  return out;
}

/** Rounds samples in [-1, 1) to 16-bit PCM. */
export function toPcm16(x: ArrayLike<number>): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++)
    out[i] = Math.max(-32768, Math.min(32767, Math.round((x[i] as number) * 32768)));
  return out;
}

/** 16-bit PCM to [-1, 1). */
export function fromPcm16(x: Int16Array): Float64Array {
  return Float64Array.from(x, (v) => v / 32768);
}

/** Signal-to-noise ratio (dB) of `test` against `reference`, over [from, to) samples. */
export function snrDb(
  reference: ArrayLike<number>,
  test: ArrayLike<number>,
  from: number,
  to: number,
): number {
  let signal = 0;
  let noise = 0;
  for (let i = from; i < to; i++) {
    const r = reference[i] as number;
    const d = (test[i] as number) - r;
    signal += r * r;
    noise += d * d;
  }
  return 10 * Math.log10(signal / noise);
}

/**
 * Energy above `cutoffHz` relative to all energy (dB), from Hann-windowed 4096-point spectra
 * hopping by half a window over [from, to) samples. Aliasing and imaging from a resampler land
 * above the source's Nyquist frequency, where a band-limited signal has nothing.
 */
export function energyAboveDb(
  x: ArrayLike<number>,
  rateHz: number,
  cutoffHz: number,
  from: number,
  to: number,
): number {
  const size = 4096;
  const plan = new RealFftPlan(size);
  const frame = new Float64Array(size);
  const re = new Float64Array(size / 2 + 1);
  const im = new Float64Array(size / 2 + 1);
  const firstBin = Math.ceil((cutoffHz * size) / rateHz);
  let above = 0;
  let total = 0;
  for (let start = from; start + size <= to; start += size / 2) {
    for (let i = 0; i < size; i++) {
      frame[i] = (x[start + i] as number) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size));
    }
    plan.transform(frame, re, im);
    for (let k = 0; k <= size / 2; k++) {
      const e = (re[k] as number) ** 2 + (im[k] as number) ** 2;
      total += e;
      if (k >= firstBin) above += e;
    }
  }
  return 10 * Math.log10(above / total);
}
