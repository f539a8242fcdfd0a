import type { AudioFrame } from '../../../core/media.js';

export interface PcmFramerOptions {
  sampleRateHz: number;
  rtpClockHz: number;
  frameMs: number;
  /** Gaps longer than this are not filled: the timeline is re-anchored instead. */
  maxFillMs: number;
}

export interface PcmFramerStats {
  framesOut: number;
  filledMs: number;
  trimmedSamples: number;
  reanchors: number;
}

/**
 * Turns decoded packets (each with its RTP timestamp) into fixed-size frames on
 * a true timeline: a gap in RTP time (loss, DTX) becomes silence, an overlap is
 * trimmed, so `ptsMs` of every frame matches when it was spoken. A gap longer than
 * `maxFillMs` starts a new timeline instead; its first frame says so (`reanchored`).
 */
export class PcmFramer {
  readonly #o: PcmFramerOptions;
  readonly #frameSamples: number;
  readonly #pending: Int16Array;
  #pendingLen = 0;
  #pendingFilled = 0;
  #anchorTs = 0;
  #anchorPtsMs = 0;
  /** Index (at sampleRateHz, from the anchor) of the next sample to append. */
  #nextSample: number | null = null;
  #frameStartSample = 0;
  #lastReceivedAtMs = 0;
  /** The next frame emitted is the first of a re-anchored timeline. */
  #reanchored = false;
  readonly stats: PcmFramerStats = { framesOut: 0, filledMs: 0, trimmedSamples: 0, reanchors: 0 };

  constructor(options: PcmFramerOptions) {
    this.#o = options;
    this.#frameSamples = Math.round((options.sampleRateHz * options.frameMs) / 1000);
    this.#pending = new Int16Array(this.#frameSamples);
  }

  /**
   * Adds decoded PCM whose first sample has RTP timestamp `extTimestamp`.
   * `arrivalPtsMs` (ms from call start) anchors the timeline on the first packet and after long gaps.
   */
  push(extTimestamp: number, pcm: Int16Array, arrivalPtsMs: number, receivedAtMs: number): AudioFrame[] {
    const out: AudioFrame[] = [];
    this.#lastReceivedAtMs = receivedAtMs;
    if (this.#nextSample === null) this.#anchor(extTimestamp, arrivalPtsMs);
    let start = Math.round(((extTimestamp - this.#anchorTs) * this.#o.sampleRateHz) / this.#o.rtpClockHz);
    const gap = start - (this.#nextSample as number);
    const gapMs = (gap * 1000) / this.#o.sampleRateHz;
    if (gapMs > this.#o.maxFillMs || gap < -this.#o.sampleRateHz) {
      // A long silence or a sender restart: close the current frame, start a new timeline.
      this.#flushInto(out);
      this.stats.reanchors++;
      this.#anchor(extTimestamp, arrivalPtsMs);
      this.#reanchored = true;
      start = 0;
    } else if (gap > 0) {
      this.#appendSilence(gap, out);
    }
    let offset = 0;
    const overlap = (this.#nextSample as number) - start;
    if (overlap > 0) {
      offset = Math.min(overlap, pcm.length);
      this.stats.trimmedSamples += offset;
    }
    this.#append(pcm.subarray(offset), 0, out);
    return out;
  }

  /** Emits the partial frame, padded with silence. */
  flush(): AudioFrame[] {
    const out: AudioFrame[] = [];
    this.#flushInto(out);
    return out;
  }

  #anchor(extTimestamp: number, arrivalPtsMs: number): void {
    this.#anchorTs = extTimestamp;
    this.#anchorPtsMs = arrivalPtsMs;
    this.#nextSample = 0;
    this.#frameStartSample = 0;
    this.#pendingLen = 0;
    this.#pendingFilled = 0;
  }

  #appendSilence(count: number, out: AudioFrame[]): void {
    this.stats.filledMs += (count * 1000) / this.#o.sampleRateHz;
    this.#append(null, count, out);
  }

  /** Appends `pcm`, or `silence` zero samples when pcm is null. */
  #append(pcm: Int16Array | null, silence: number, out: AudioFrame[]): void {
    const total = pcm ? pcm.length : silence;
    let done = 0;
    while (done < total) {
      const n = Math.min(total - done, this.#frameSamples - this.#pendingLen);
      if (pcm) this.#pending.set(pcm.subarray(done, done + n), this.#pendingLen);
      else {
        this.#pending.fill(0, this.#pendingLen, this.#pendingLen + n);
        this.#pendingFilled += n;
      }
      this.#pendingLen += n;
      done += n;
      this.#nextSample = (this.#nextSample as number) + n;
      if (this.#pendingLen === this.#frameSamples) this.#emit(out);
    }
  }

  #flushInto(out: AudioFrame[]): void {
    if (this.#pendingLen === 0) return;
    const pad = this.#frameSamples - this.#pendingLen;
    this.#pending.fill(0, this.#pendingLen);
    this.#pendingFilled += pad;
    this.#pendingLen = this.#frameSamples;
    this.#nextSample = (this.#nextSample as number) + pad;
    this.#emit(out);
  }

  #emit(out: AudioFrame[]): void {
    out.push({
      ptsMs: this.#anchorPtsMs + (this.#frameStartSample * 1000) / this.#o.sampleRateHz,
      samples: this.#pending.slice(),
      sampleRateHz: this.#o.sampleRateHz,
      durationMs: this.#o.frameMs,
      filledSamples: this.#pendingFilled,
      receivedAtMs: this.#lastReceivedAtMs,
      reanchored: this.#reanchored,
    });
    this.#reanchored = false;
    this.stats.framesOut++;
    this.#frameStartSample += this.#frameSamples;
    this.#pendingLen = 0;
    this.#pendingFilled = 0;
  }
}
