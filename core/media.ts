/**
 * The media types every layer shares: what the taps produce, what the models
 * consume and produce, and what the audio sink plays. Times are milliseconds on
 * the call's one clock (`ptsMs` from call start).
 */

/** A run of mono 16-bit PCM that knows its own rate and place on the timeline. */
export interface PcmChunk {
  /** Mono 16-bit samples. */
  samples: Int16Array;
  sampleRateHz: number;
  /** Presentation time of the first sample, ms from call (or utterance) start. */
  ptsMs: number;
}

/** One frame of caller audio as the pipelines see it (from the audio tap). */
export interface AudioFrame extends PcmChunk {
  durationMs: number;
  /** Samples in this frame that were silence inserted for lost or missing packets. */
  filledSamples: number;
  /** Clock time (ms) the newest packet contributing to this frame arrived; for latency measurement. */
  receivedAtMs: number;
  /**
   * True on the first frame of a new timeline: after a gap too long to fill with silence
   * (`maxFillMs`) or a sender restart, `ptsMs` is re-anchored on arrival time and does not follow
   * on from the previous frame. Stages that keep audio context (VAD state, turn timing) reset here.
   */
  reanchored: boolean;
}

/** One sampled frame of the caller's camera (from the video tap). */
export interface VideoFrame {
  /** Presentation time, ms from call start. */
  ptsMs: number;
  width: number;
  height: number;
  /** Packed RGB24, `width * height * 3` bytes. */
  rgb: Buffer;
  /** Clock time the frame left the decoder. */
  receivedAtMs: number;
}
