import type { PcmChunk } from './media.js';

/** How one utterance's playback ended. */
export interface PlaybackResult {
  /** Milliseconds of this utterance actually sent into the call. */
  playedMs: number;
  completed: boolean;
  reason: 'completed' | 'cancelled' | 'closed' | 'error';
  /** With reason 'error', when known: what failed (the source's own error, or `ERR_AUDIO_FORMAT`). */
  error?: Error;
}

/** One utterance being played into the call. */
export interface Playback {
  readonly id: string;
  /** Milliseconds sent so far. */
  readonly playedMs: number;
  /** Clock time the first packet was sent, or null before. */
  readonly firstPacketAtMs: number | null;
  readonly done: Promise<PlaybackResult>;
  /** Stops at the next packet boundary; nothing more of it is sent. Idempotent. */
  cancel(): void;
}

/**
 * Where the assistant's voice goes: the call's audio sink (server/media/audio-out)
 * or, in tests, a fake that "sends" 20 ms packets on a clock. Utterances play one
 * after another in the order `play` was called.
 */
export interface AudioOutput {
  /** The only PCM rate `play` accepts; resample before. */
  readonly sampleRateHz: number;
  play(source: AsyncIterable<PcmChunk>, options?: { signal?: AbortSignal }): Playback;
}
