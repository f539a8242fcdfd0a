import type { AudioFrame, PcmChunk } from '../../core/media.js';
import { SightlineError } from '../../protocol/errors.js';
import {
  BAND_COUNT,
  BAND_HOP_SAMPLES,
  BAND_RATE_HZ,
  BAND_WINDOW_SAMPLES,
  BandEnergyMeter,
} from '../audio/bandEnergy.js';
import { EnvelopeDelayEstimator } from '../audio/envelopeDelay.js';
import { SyncResampler } from '../audio/syncResampler.js';
import type { EchoGuard } from './events.js';

/** Tuning of the spectral echo guard; every field has a measured default (`npm run bench:echo`). */
export interface EchoGuardOptions {
  /** Longest speaker → room → mic delay searched, including both network legs. Default 500 ms. */
  maxDelayMs?: number;
  /** Frames are checked until this long after the last audible sent audio (plus maxDelayMs). Default 1000 ms. */
  holdMs?: number;
  /** A band is the person's when it exceeds the expected echo plus noise by this much. Default 9 dB. */
  marginDb?: number;
  /** ...and exceeds the noise floor by this much. Default 9 dB. */
  noiseMarginDb?: number;
  /** ...or, over all bands together, the block exceeds the expected echo plus noise by this much. Default 6 dB. */
  broadbandMarginDb?: number;
  /** Bands (of 14, 125 Hz–8 kHz) that must be the person's for a 10 ms block to be. Default 2. */
  minBands?: number;
  /** Echo gain assumed per band until it is measured: the loudest echo expected. Default 0 dB. */
  initialGainDb?: number;
  /** Envelope correlation at the estimated delay needed to trust it (and to learn the gain). Default 0.4. */
  lockCorrelation?: number;
  /** How fast the expected echo may die away after the reference stops (room reverberation). Default 1.5 dB per 10 ms. */
  tailDecayDbPer10Ms?: number;
}

/** What the guard currently believes, for metrics and the bench. */
export interface EchoGuardState {
  /** Sent audio is recent enough that frames are being checked. */
  active: boolean;
  /** The estimated echo delay (sent → received), or null until the envelopes correlate. */
  delayMs: number | null;
  /** Envelope correlation at the best delay (−1…1). */
  correlation: number;
  /** The echo gain per band, dB (sent → received). */
  gainDb: number[];
}

const BLOCK_MS = (BAND_HOP_SAMPLES * 1000) / BAND_RATE_HZ; // 10
const SAMPLES_PER_MS = BAND_RATE_HZ / 1000;
/** Raw 16 kHz history per side: a window plus a large chunk's worth; blocks are measured as they complete. */
const RAW_RING = 1024;
/** Reference blocks kept: 2.56 s, more than the longest delay plus the neighbourhood. */
const REF_SLOTS = 256;
/** Energy added before taking logs: −100 dB, far below any real noise floor. */
const LOG_FLOOR = 1e-10;
/** A reference block quieter than this (mean band energy, about −75 dBFS) counts as nothing sent. */
const REF_ACTIVE_ENERGY = 3e-8;
/** Sent chunks whose start is within this of where the previous one ended continue it. */
const CONTIGUOUS_MS = 30;
/** The mic clock offset (arrival − capture) may rise this much per ms of audio (jitter rejection). */
const OFFSET_RISE_PER_MS = 0.0025;
/** Blocks of envelope history before the delay estimate may be trusted. */
const MIN_DELAY_UPDATES = 15;
/** The correlation a new best lag must beat the current one by before the estimate moves. */
const LAG_HYSTERESIS = 0.01;
/** Lags whose envelope correlation is within this of the estimate's may hold the echo too... */
const LAG_SPREAD = 0.05;
/** ...up to this many blocks either side. */
const MAX_SPREAD_BLOCKS = 5;
/** Blocks of sent audio in range without a delay found, after which the echo is taken to be under the noise. */
const UNLOCKED_LEARN_AFTER_BLOCKS = 150;
/** How fast the gain then follows blocks (per 10 ms block). */
const UNLOCKED_GAIN_RATE = 0.02;

const dbToPower = (db: number): number => 10 ** (db / 10);

/**
 * Tells the caller's voice from the assistant's own voice coming back through their speakers,
 * using the audio the server sent (`noteSent`) as the reference.
 *
 * Both sides are measured in 14 bands (125 Hz–8 kHz) every 10 ms at 16 kHz (sent audio at other
 * rates goes through a synchronous windowed-sinc resampler). The echo's delay is found by
 * correlating the two per-band log-energy envelopes over every lag up to `maxDelayMs`
 * (EnvelopeDelayEstimator; it keeps adapting). The echo's gain per band (speaker, room, the
 * browser's own echo canceller) is learned from blocks that are echo alone, while the delay is
 * trusted. A microphone block then belongs to the person when, in at least `minBands` bands, it
 * is louder than the expected echo (the reference energy around the estimated delay × the gain,
 * with a reverberant tail) plus the noise floor, by `marginDb`. Until the delay is trusted the
 * expected echo is the loudest reference anywhere in the delay range at `initialGainDb`, which
 * errs towards "echo": a person talking over the first few hundred ms of the first reply may be
 * missed, the assistant's own voice is not taken for theirs.
 *
 * When nothing audible was sent in the last `holdMs + maxDelayMs`, frames pass untouched with
 * `echoLikely: false` after a few comparisons. Memory is fixed (2.56 s of reference band
 * energies, two 1024-sample rings); per-frame work allocates nothing. The frame is never altered.
 */
export class SpectralEchoGuard implements EchoGuard {
  readonly #maxLagBlocks: number;
  readonly #holdMs: number;
  readonly #margin: number;
  readonly #noiseMargin: number;
  readonly #broadbandMargin: number;
  readonly #minBands: number;
  readonly #initialGainLog: number;
  readonly #lockCorrelation: number;
  readonly #tailDecay: number;

  /** Clock ms that position 0 of both timelines stands for (first time seen); keeps indices small. */
  #originMs: number | null = null;

  // Reference side.
  readonly #refMeter = new BandEnergyMeter();
  readonly #refRaw = new Float64Array(RAW_RING);
  /** Absolute 16 kHz index (from origin) of the next reference sample. */
  #refPos: number | null = null;
  #refExpectedNextMs = 0;
  #refRateHz = 0;
  #resampler: SyncResampler | null = null;
  readonly #refEnergy = new Float64Array((REF_SLOTS + 1) * BAND_COUNT);
  readonly #refLog = new Float64Array((REF_SLOTS + 1) * BAND_COUNT);
  readonly #refTag = new Float64Array(REF_SLOTS).fill(Number.NaN);
  readonly #refActive = new Uint8Array(REF_SLOTS);
  #lastActiveRefBlock = Number.NEGATIVE_INFINITY;
  readonly #writeRef = (v: number): void => this.#pushRefSample(v);

  // Mic side.
  readonly #micMeter = new BandEnergyMeter();
  readonly #micRaw = new Float64Array(RAW_RING);
  #micPos = 0;
  #micInBlock = 0;
  #micResampler: SyncResampler | null = null;
  /** Clock offset of the mic timeline: arrival − (ptsMs + durationMs), a slowly rising minimum. */
  #micOffsetMs: number | null = null;
  #active = false;
  readonly #micEnergy = new Float64Array(BAND_COUNT);
  readonly #micLog = new Float64Array(BAND_COUNT);
  readonly #noise = new Float64Array(BAND_COUNT);
  #noiseKnown = false;
  /** Per band: the expected echo before the gain (reference around the delay, with its tail). */
  readonly #expected = new Float64Array(BAND_COUNT);
  /** Per band: the loudest and the quietest reference block around the delay (no tail). */
  readonly #refMax = new Float64Array(BAND_COUNT);
  readonly #refMin = new Float64Array(BAND_COUNT);
  readonly #gainLog = new Float64Array(BAND_COUNT);
  readonly #gainUpdates = new Uint32Array(BAND_COUNT);
  readonly #refRows: Int32Array;
  readonly #delay: EnvelopeDelayEstimator;
  #lag: number | null = null;
  /** Blocks with sent audio in range while no delay was found. */
  #unlockedBlocks = 0;
  /** The lags the echo may come from, around #lag. */
  #lagLo = 0;
  #lagHi = 0;
  readonly #lagCorrelation: Float64Array;
  #correlation = 0;
  /** Frame-level decision state: the frame is the person's when any of its blocks is. */
  #framePerson = false;
  #frameStartMs = 0;
  #frameSamplesIn = 0;
  readonly #emitMic = (v: number): void => this.#pushMicSample(v);

  constructor(options: EchoGuardOptions = {}) {
    const maxDelayMs = options.maxDelayMs ?? 500;
    const holdMs = options.holdMs ?? 1000;
    const minBands = options.minBands ?? 2;
    if (!(maxDelayMs >= 0 && maxDelayMs <= 2000 && holdMs >= 0)) {
      throw new SightlineError('ERR_INVALID_ARGUMENT', 'maxDelayMs must be 0…2000 and holdMs ≥ 0');
    }
    if (!(Number.isInteger(minBands) && minBands >= 1 && minBands <= BAND_COUNT)) {
      throw new SightlineError('ERR_INVALID_ARGUMENT', `minBands must be an integer 1…${BAND_COUNT}`);
    }
    this.#maxLagBlocks = Math.ceil(maxDelayMs / BLOCK_MS);
    this.#holdMs = holdMs + maxDelayMs;
    this.#margin = dbToPower(options.marginDb ?? 9);
    this.#noiseMargin = dbToPower(options.noiseMarginDb ?? 9);
    this.#broadbandMargin = dbToPower(options.broadbandMarginDb ?? 6);
    this.#minBands = minBands;
    this.#initialGainLog = Math.log(dbToPower(options.initialGainDb ?? 0));
    this.#lockCorrelation = options.lockCorrelation ?? 0.4;
    this.#tailDecay = dbToPower(-(options.tailDecayDbPer10Ms ?? 1.5));
    this.#refRows = new Int32Array(this.#maxLagBlocks + 1);
    this.#delay = new EnvelopeDelayEstimator(this.#maxLagBlocks, BAND_COUNT);
    this.#lagCorrelation = new Float64Array(this.#maxLagBlocks + 1);
    this.#gainLog.fill(this.#initialGainLog);
    this.#refLog.fill(Math.log(LOG_FLOOR), REF_SLOTS * BAND_COUNT); // the silent row
  }

  get state(): EchoGuardState {
    return {
      active: this.#active,
      delayMs: this.#lag === null ? null : this.#lag * BLOCK_MS,
      correlation: this.#correlation,
      gainDb: Array.from(this.#gainLog, (g) => (10 * g) / Math.LN10),
    };
  }

  noteSent(chunk: PcmChunk, sentAtMs: number): void {
    const n = chunk.samples.length;
    if (n === 0) return;
    this.#originMs ??= sentAtMs;
    const durationMs = (n * 1000) / chunk.sampleRateHz;
    const contiguous =
      this.#refPos !== null &&
      chunk.sampleRateHz === this.#refRateHz &&
      Math.abs(sentAtMs - this.#refExpectedNextMs) <= CONTIGUOUS_MS;
    if (contiguous) {
      this.#refExpectedNextMs += durationMs;
    } else {
      this.#startRefRun(Math.round((sentAtMs - this.#originMs) * SAMPLES_PER_MS), chunk.sampleRateHz);
      this.#refExpectedNextMs = sentAtMs + durationMs;
    }
    if (chunk.sampleRateHz === BAND_RATE_HZ) {
      const s = chunk.samples;
      for (let i = 0; i < n; i++) this.#pushRefSample((s[i] as number) / 32768);
    } else {
      (this.#resampler as SyncResampler).push(chunk.samples, this.#writeRef);
    }
  }

  process(frame: AudioFrame): { frame: AudioFrame; echoLikely: boolean } {
    const observed = frame.receivedAtMs - frame.ptsMs - frame.durationMs;
    if (this.#micOffsetMs === null || frame.reanchored) this.#micOffsetMs = observed;
    else this.#micOffsetMs = Math.min(observed, this.#micOffsetMs + OFFSET_RISE_PER_MS * frame.durationMs);
    if (this.#originMs === null) return { frame, echoLikely: false }; // nothing ever sent
    const startMs = frame.ptsMs + this.#micOffsetMs - this.#originMs;
    const endMs = startMs + frame.durationMs;
    const lastAudibleMs = (this.#lastActiveRefBlock + 1) * BLOCK_MS;
    if (!(endMs - lastAudibleMs <= this.#holdMs)) {
      this.#active = false;
      return { frame, echoLikely: false };
    }
    if (!this.#active || frame.reanchored) this.#startMicRun(frame.sampleRateHz);
    this.#active = true;
    this.#framePerson = false;
    this.#frameStartMs = startMs;
    this.#frameSamplesIn = 0;
    const s = frame.samples;
    if (frame.sampleRateHz === BAND_RATE_HZ) {
      for (let i = 0; i < s.length; i++) this.#pushMicSample((s[i] as number) / 32768);
    } else {
      if (this.#micResampler?.inRateHz !== frame.sampleRateHz) this.#startMicRun(frame.sampleRateHz);
      (this.#micResampler as SyncResampler).push(s, this.#emitMic);
    }
    return { frame, echoLikely: !this.#framePerson };
  }

  // ---- reference ----

  #startRefRun(startPos: number, rateHz: number): void {
    if (this.#refPos !== null && startPos > this.#refPos) {
      const gap = startPos - this.#refPos;
      // Write the silence so the blocks around it are measured; past a ring's worth, jump.
      const zeros = Math.min(gap, RAW_RING + BAND_HOP_SAMPLES);
      for (let i = 0; i < zeros; i++) this.#pushRefSample(0);
      this.#refPos = startPos;
    } else if (this.#refPos === null) {
      this.#refPos = startPos;
    }
    this.#refRateHz = rateHz;
    if (rateHz === BAND_RATE_HZ) this.#resampler = null;
    else if (this.#resampler?.inRateHz === rateHz) this.#resampler.reset();
    else this.#resampler = new SyncResampler(rateHz, BAND_RATE_HZ);
  }

  #pushRefSample(v: number): void {
    const pos = this.#refPos as number;
    this.#refRaw[((pos % RAW_RING) + RAW_RING) % RAW_RING] = v;
    const next = pos + 1;
    this.#refPos = next;
    if (next % BAND_HOP_SAMPLES === 0) this.#measureRefBlock(next / BAND_HOP_SAMPLES - 1);
  }

  #measureRefBlock(block: number): void {
    const slot = ((block % REF_SLOTS) + REF_SLOTS) % REF_SLOTS;
    const row = slot * BAND_COUNT;
    const energy = this.#refEnergy.subarray(row, row + BAND_COUNT);
    const total = this.#refMeter.measure(this.#refRaw, (block + 1) * BAND_HOP_SAMPLES, energy);
    for (let b = 0; b < BAND_COUNT; b++) this.#refLog[row + b] = Math.log((energy[b] as number) + LOG_FLOOR);
    this.#refTag[slot] = block;
    const active = total / BAND_COUNT > REF_ACTIVE_ENERGY;
    this.#refActive[slot] = active ? 1 : 0;
    if (active && block > this.#lastActiveRefBlock) this.#lastActiveRefBlock = block;
  }

  /** The row (offset into the energy arrays) of a reference block, or the silent row. */
  #refRow(block: number): number {
    const slot = ((block % REF_SLOTS) + REF_SLOTS) % REF_SLOTS;
    return this.#refTag[slot] === block ? slot * BAND_COUNT : REF_SLOTS * BAND_COUNT;
  }

  // ---- microphone ----

  #startMicRun(rateHz: number): void {
    this.#micRaw.fill(0);
    this.#micPos = 0;
    this.#micInBlock = 0;
    this.#noiseKnown = false;
    this.#expected.fill(0);
    if (rateHz === BAND_RATE_HZ) this.#micResampler = null;
    else if (this.#micResampler?.inRateHz === rateHz) this.#micResampler.reset();
    else this.#micResampler = new SyncResampler(rateHz, BAND_RATE_HZ);
  }

  #pushMicSample(v: number): void {
    this.#micRaw[this.#micPos % RAW_RING] = v;
    this.#micPos++;
    this.#frameSamplesIn++;
    if (++this.#micInBlock === BAND_HOP_SAMPLES) {
      this.#micInBlock = 0;
      const endMs = this.#frameStartMs + this.#frameSamplesIn / SAMPLES_PER_MS;
      if (this.#micPos >= BAND_WINDOW_SAMPLES && this.#judgeMicBlock(endMs)) this.#framePerson = true;
    }
  }

  /** Measures the mic block that just completed (ending at `endMs`); true when it is the person's. */
  #judgeMicBlock(endMs: number): boolean {
    const mic = this.#micEnergy;
    this.#micMeter.measure(this.#micRaw, this.#micPos, mic);
    const noise = this.#noise;
    if (!this.#noiseKnown) {
      for (let b = 0; b < BAND_COUNT; b++) noise[b] = (mic[b] as number) + LOG_FLOOR;
      this.#noiseKnown = true;
    }
    for (let b = 0; b < BAND_COUNT; b++) this.#micLog[b] = Math.log((mic[b] as number) + LOG_FLOOR);

    // The reference block that ends when this mic block ends, then one block earlier per lag.
    const lag0Block = Math.round(endMs / BLOCK_MS) - 1;
    let refInRange = false;
    for (let lag = 0; lag <= this.#maxLagBlocks; lag++) {
      const row = this.#refRow(lag0Block - lag);
      this.#refRows[lag] = row;
      if (row < REF_SLOTS * BAND_COUNT && this.#refActive[row / BAND_COUNT] === 1) refInRange = true;
    }
    if (refInRange) this.#delay.update(this.#micLog, this.#refLog, this.#refRows);
    this.#trackDelay();

    // Expected echo energy per band: the loudest reference in the lags it may come from, times the
    // gain, never dying faster than the room would let it.
    const lo = this.#lag === null ? 0 : this.#lagLo;
    const hi = this.#lag === null ? this.#maxLagBlocks : this.#lagHi;
    const expected = this.#expected;
    for (let b = 0; b < BAND_COUNT; b++) {
      let r = 0;
      let least = Number.POSITIVE_INFINITY;
      for (let lag = lo; lag <= hi; lag++) {
        const e = this.#refEnergy[(this.#refRows[lag] as number) + b] as number;
        if (e > r) r = e;
        if (e < least) least = e;
      }
      this.#refMax[b] = r;
      this.#refMin[b] = least;
      expected[b] = Math.max(r, (expected[b] as number) * this.#tailDecay);
    }

    let personBands = 0;
    let micTotal = 0;
    let explainedTotal = 0;
    for (let b = 0; b < BAND_COUNT; b++) {
      const m = mic[b] as number;
      const n = noise[b] as number;
      const echo = Math.exp(this.#gainLog[b] as number) * (expected[b] as number);
      micTotal += m;
      explainedTotal += echo + n;
      if (m > this.#margin * (echo + n) && m > this.#noiseMargin * n) personBands++;
    }
    const person = personBands >= this.#minBands || micTotal > this.#broadbandMargin * explainedTotal;

    if (refInRange && this.#lag === null) this.#unlockedBlocks++;
    if (refInRange && personBands === 0) this.#learnGain(this.#lag !== null);
    this.#trackNoise();
    return person;
  }

  /**
   * Follows the best lag (with a little hysteresis) and spans the lags whose correlation is close
   * to the best one's around it: wide while the peak is flat (early on, or under double talk),
   * one block either side once it is sharp.
   */
  #trackDelay(): void {
    if (this.#delay.updates < MIN_DELAY_UPDATES) return;
    const corr = this.#lagCorrelation;
    const best = this.#delay.correlations(corr);
    const bestCorrelation = corr[best] as number;
    const current = this.#lag === null ? Number.NEGATIVE_INFINITY : (corr[this.#lag] as number);
    if (bestCorrelation > current + LAG_HYSTERESIS && bestCorrelation >= this.#lockCorrelation)
      this.#lag = best;
    if (this.#lag === null) {
      this.#correlation = bestCorrelation;
      return;
    }
    const lag = this.#lag;
    this.#correlation = corr[lag] as number;
    const floor = (corr[lag] as number) - LAG_SPREAD;
    let lo = Math.max(0, lag - 1);
    let hi = Math.min(this.#maxLagBlocks, lag + 1);
    while (lo > 0 && lag - lo < MAX_SPREAD_BLOCKS && (corr[lo - 1] as number) >= floor) lo--;
    while (hi < this.#maxLagBlocks && hi - lag < MAX_SPREAD_BLOCKS && (corr[hi + 1] as number) >= floor) hi++;
    this.#lagLo = lo;
    this.#lagHi = hi;
  }

  /**
   * Moves each band's echo gain towards what this block (not the person's) shows. Where the echo
   * is lost in the noise, the block still bounds the gain from above: an echo that loud would have
   * shown. Before the delay is known the expected echo spans every lag, so the gain only creeps.
   */
  #learnGain(locked: boolean): void {
    for (let b = 0; b < BAND_COUNT; b++) {
      const r = this.#refMax[b] as number;
      // Silent reference, or the reverberant tail (a guess, not a measurement): nothing to learn.
      if (r < REF_ACTIVE_ENERGY || (this.#expected[b] as number) > 2 * r) continue;
      const m = this.#micEnergy[b] as number;
      const n = this.#noise[b] as number;
      const g = this.#gainLog[b] as number;
      if (!locked) {
        // Only once long enough that an echo above the noise would have shown a delay by now.
        if (this.#unlockedBlocks < UNLOCKED_LEARN_AFTER_BLOCKS) continue;
        this.#gainLog[b] = g + UNLOCKED_GAIN_RATE * (Math.log(Math.max(m - n, n) / r) - g);
        continue;
      }
      if (m < 2 * n) {
        // The echo is at least the quietest reference around the delay times the gain.
        const least = this.#refMin[b] as number;
        if (least < REF_ACTIVE_ENERGY) continue;
        const bound = Math.log((2 * n) / least);
        if (bound < g) this.#gainLog[b] = g + 0.1 * (bound - g);
        continue;
      }
      const updates = (this.#gainUpdates[b] as number) + 1;
      this.#gainUpdates[b] = updates;
      const rate = updates < 10 ? 0.3 : 0.05;
      this.#gainLog[b] = g + rate * (Math.log((m - n) / r) - g);
    }
  }

  /**
   * The noise in each band: a running mean of the blocks near it (a mean, not a minimum, so that
   * noise alone stays under the margin); rises 5 dB per second under louder sound, so it follows a
   * noisier room, and halves at once under much quieter sound (a run that started mid-speech).
   */
  #trackNoise(): void {
    for (let b = 0; b < BAND_COUNT; b++) {
      const m = (this.#micEnergy[b] as number) + LOG_FLOOR;
      const n = this.#noise[b] as number;
      if (m < n / 8) this.#noise[b] = n / 2;
      else if (m < 4 * n) this.#noise[b] = n + (m < n ? 0.1 : 0.05) * (m - n);
      else this.#noise[b] = n * 1.0116;
    }
  }
}

/** The echo guard for one call. */
export function createEchoGuard(options?: EchoGuardOptions): SpectralEchoGuard {
  return new SpectralEchoGuard(options);
}
