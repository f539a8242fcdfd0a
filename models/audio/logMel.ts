import { RealFftPlan } from './fft.js';

/** Whisper's feature settings (the defaults are every released Whisper's, except large-v3's 128 mels). */
export interface LogMelOptions {
  sampleRateHz: number;
  nFft: number;
  hopLength: number;
  nMels: number;
  /** Audio is padded with zeros or cut to this many samples (30 s). */
  nSamples: number;
  /** Output frames (n_samples / hop). */
  nFrames: number;
}

export const WHISPER_FEATURES: LogMelOptions = {
  sampleRateHz: 16000,
  nFft: 400,
  hopLength: 160,
  nMels: 80,
  nSamples: 480000,
  nFrames: 3000,
};

const MEL_FLOOR = 1e-10;

function hzToMelSlaney(hz: number): number {
  const minLogHz = 1000;
  const minLogMel = 15;
  const logstep = 27 / Math.log(6.4);
  return hz >= minLogHz ? minLogMel + Math.log(hz / minLogHz) * logstep : (3 * hz) / 200;
}

function melToHzSlaney(mel: number): number {
  const minLogHz = 1000;
  const minLogMel = 15;
  const logstep = Math.log(6.4) / 27;
  return mel >= minLogMel ? minLogHz * Math.exp(logstep * (mel - minLogMel)) : (200 * mel) / 3;
}

/** Slaney-normalised triangular mel filters on the Slaney mel scale: rows [nMels][nFft/2 + 1]. */
export function melFilterBank(
  nBins: number,
  nMels: number,
  fMinHz: number,
  fMaxHz: number,
  sampleRateHz: number,
): Float64Array[] {
  const fftFreqs = Array.from({ length: nBins }, (_, i) => (i * (sampleRateHz / 2)) / (nBins - 1));
  const melMin = hzToMelSlaney(fMinHz);
  const melMax = hzToMelSlaney(fMaxHz);
  const edges = Array.from({ length: nMels + 2 }, (_, i) =>
    melToHzSlaney(melMin + ((melMax - melMin) * i) / (nMels + 1)),
  );
  const filters: Float64Array[] = [];
  for (let m = 0; m < nMels; m++) {
    const lo = edges[m] as number;
    const mid = edges[m + 1] as number;
    const hi = edges[m + 2] as number;
    const row = new Float64Array(nBins);
    const enorm = 2 / (hi - lo);
    for (let b = 0; b < nBins; b++) {
      const f = fftFreqs[b] as number;
      const down = (f - lo) / (mid - lo);
      const up = (hi - f) / (hi - mid);
      row[b] = Math.max(0, Math.min(down, up)) * enorm;
    }
    filters.push(row);
  }
  return filters;
}

/**
 * Whisper log-mel features in TypeScript: periodic Hann window, centred STFT
 * with reflect padding, power spectrum, Slaney mel filters, log10, clamp to
 * max − 8, then (x + 4) / 4. Frames that lie wholly in the zero padding are not
 * transformed (their value is known), which is most of a short utterance.
 */
export class LogMelExtractor {
  readonly options: LogMelOptions;
  readonly #fft: RealFftPlan;
  readonly #window: Float64Array;
  /** Sparse filters: for each mel, the first bin and the weights from there. */
  readonly #filters: { start: number; weights: Float64Array }[];
  readonly #frame: Float64Array;
  readonly #re: Float64Array;
  readonly #im: Float64Array;
  readonly #power: Float64Array;

  constructor(options: Partial<LogMelOptions> = {}) {
    this.options = { ...WHISPER_FEATURES, ...options };
    const { nFft, nMels, sampleRateHz } = this.options;
    this.#fft = new RealFftPlan(nFft);
    this.#window = Float64Array.from(
      { length: nFft },
      (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / nFft),
    );
    const nBins = Math.floor(nFft / 2) + 1;
    this.#filters = melFilterBank(nBins, nMels, 0, 8000, sampleRateHz).map((row) => {
      let start = 0;
      while (start < nBins && row[start] === 0) start++;
      let end = nBins;
      while (end > start && row[end - 1] === 0) end--;
      return { start, weights: row.slice(start, end) };
    });
    this.#frame = new Float64Array(nFft);
    this.#re = new Float64Array(nBins);
    this.#im = new Float64Array(nBins);
    this.#power = new Float64Array(nBins);
  }

  /** Features for up to 30 s of 16 kHz mono audio, laid out [nMels][nFrames] (the encoder's input_features). */
  compute(audio: Float32Array): Float32Array {
    const { nFft, hopLength, nMels, nSamples, nFrames } = this.options;
    const length = Math.min(audio.length, nSamples);
    const pad = nFft >> 1;
    const out = new Float32Array(nMels * nFrames);
    // Sample at index i of the centred, reflect-padded signal (the signal itself is zero-padded to nSamples).
    const at = (i: number): number => {
      let k = i - pad;
      if (k < 0) k = -k;
      else if (k >= nSamples) k = 2 * (nSamples - 1) - k;
      return k < length ? (audio[k] as number) : 0;
    };
    // Frames starting at or after this index see only zeros.
    const firstSilentFrame = Math.min(nFrames, Math.ceil((length + pad) / hopLength));
    const floorLog = Math.log10(MEL_FLOOR);
    let maxLog = -Infinity;
    for (let t = 0; t < firstSilentFrame; t++) {
      const offset = t * hopLength;
      const start = offset - pad;
      const frame = this.#frame;
      const win = this.#window;
      if (start >= 0 && start + nFft <= length) {
        for (let n = 0; n < nFft; n++) frame[n] = (audio[start + n] as number) * (win[n] as number);
      } else {
        for (let n = 0; n < nFft; n++) frame[n] = at(offset + n) * (win[n] as number);
      }
      this.#fft.transform(frame, this.#re, this.#im);
      for (let b = 0; b < this.#power.length; b++) {
        this.#power[b] = (this.#re[b] as number) ** 2 + (this.#im[b] as number) ** 2;
      }
      for (let m = 0; m < nMels; m++) {
        const { start, weights } = this.#filters[m] as { start: number; weights: Float64Array };
        let sum = 0;
        for (let w = 0; w < weights.length; w++)
          sum += (weights[w] as number) * (this.#power[start + w] as number);
        const v = Math.log10(Math.max(MEL_FLOOR, sum));
        out[m * nFrames + t] = v;
        if (v > maxLog) maxLog = v;
      }
    }
    if (firstSilentFrame < nFrames) maxLog = Math.max(maxLog, floorLog);
    const threshold = maxLog - 8;
    for (let m = 0; m < nMels; m++) {
      const row = m * nFrames;
      for (let t = 0; t < nFrames; t++) {
        const v = t < firstSilentFrame ? (out[row + t] as number) : floorLog;
        out[row + t] = (Math.max(v, threshold) + 4) / 4;
      }
    }
    return out;
  }
}
