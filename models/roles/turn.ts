import type { PcmChunk } from '../../core/media.js';

/** Whether the user has finished their turn. */
export interface EndOfTurnPrediction {
  /** Probability that the turn is complete, 0–1. */
  probability: number;
  /** `probability` above the detector's threshold. */
  complete: boolean;
}

/**
 * End-of-turn detection from the user's audio: asked when the VAD reports a
 * pause, with the audio of the turn so far (the detector keeps what it needs).
 */
export interface TurnDetector {
  readonly name: string;
  readonly sampleRateHz: number;
  /** Probability above which a turn counts as complete. */
  readonly threshold: number;
  /** A chunk at another rate is refused with ERR_MODEL_INPUT; empty audio is an incomplete turn. */
  predictEndOfTurn(audio: PcmChunk, options?: { signal?: AbortSignal }): Promise<EndOfTurnPrediction>;
  dispose(): Promise<void>;
}
