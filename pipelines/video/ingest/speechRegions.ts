import type { SpeechProbability } from '../../../models/roles/vad.js';
import { SightlineError } from '../../../protocol/errors.js';

/** How VAD verdicts become speech regions. */
export interface SpeechRegionOptions {
  /** A window at or above this probability starts (or continues) speech. */
  activationThreshold: number;
  /** Inside speech, a window below this probability is silence. */
  deactivationThreshold: number;
  /** Speech shorter than this (before padding) is dropped as a click or a cough. */
  minSpeechMs: number;
  /** Two stretches of speech closer than this are one region (a pause inside a sentence). */
  mergeGapMs: number;
  /** Audio kept before and after each region (whisper needs the onset). */
  padMs: number;
  /** A region longer than this is cut (whisper's window is 30 s). */
  maxRegionMs: number;
}

/** The documented defaults of {@link SpeechRegionOptions}. */
export const SPEECH_REGION_DEFAULTS: Readonly<SpeechRegionOptions> = Object.freeze({
  activationThreshold: 0.5,
  deactivationThreshold: 0.35,
  minSpeechMs: 250,
  mergeGapMs: 700,
  padMs: 200,
  maxRegionMs: 28_000,
});

/** A stretch of speech, ms of the audio's timeline. `startMs`/`endMs` are the VAD's, without padding. */
export interface SpeechRegion {
  startMs: number;
  endMs: number;
}

/**
 * Turns VAD verdicts (in time order) into speech regions with hysteresis:
 * short gaps are merged, short blips dropped, long speech cut at
 * `maxRegionMs`. Pure; `push` returns the regions the verdict closed, `end`
 * the one still open. Padding is the caller's (it knows the audio's length).
 */
export class SpeechRegions {
  readonly options: Readonly<SpeechRegionOptions>;
  /** The open region's start, its last speech window's end, null when none. */
  #open: SpeechRegion | null = null;
  #inSpeech = false;

  constructor(options: Partial<SpeechRegionOptions> = {}) {
    const o = { ...SPEECH_REGION_DEFAULTS, ...options };
    if (!(o.deactivationThreshold <= o.activationThreshold && o.maxRegionMs > o.mergeGapMs)) {
      throw new SightlineError('ERR_INVALID_ARGUMENT', 'speech regions: bad thresholds or lengths');
    }
    this.options = o;
  }

  /** Where the audio before which nothing is needed any more starts (ms): the open region's start, or now. */
  neededFromMs(nowMs: number): number {
    return this.#open ? this.#open.startMs : nowMs - this.options.mergeGapMs;
  }

  push(v: SpeechProbability): SpeechRegion[] {
    const o = this.options;
    const out: SpeechRegion[] = [];
    const endMs = v.ptsMs + v.durationMs;
    const speech = v.probability >= (this.#inSpeech ? o.deactivationThreshold : o.activationThreshold);
    this.#inSpeech = speech;
    if (this.#open && v.ptsMs - this.#open.endMs >= o.mergeGapMs) this.#close(out);
    if (speech) {
      if (this.#open) this.#open.endMs = endMs;
      else this.#open = { startMs: v.ptsMs, endMs };
      if (this.#open.endMs - this.#open.startMs >= o.maxRegionMs) {
        const cut = this.#open.endMs;
        this.#close(out);
        this.#open = { startMs: cut, endMs: cut };
      }
    }
    return out;
  }

  /** Closes the region still open (the audio ended). */
  end(): SpeechRegion[] {
    const out: SpeechRegion[] = [];
    this.#close(out);
    this.#inSpeech = false;
    return out;
  }

  #close(out: SpeechRegion[]): void {
    const r = this.#open;
    this.#open = null;
    if (r && r.endMs - r.startMs >= this.options.minSpeechMs) out.push(r);
  }
}
