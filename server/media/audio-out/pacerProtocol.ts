import type { PcmChunk } from '../../../core/media.js';
import type { AudioSinkStats, PacerRateHz, PlaybackResult } from './pacer.js';

/** Messages from the main thread to the pacer thread. */
export type ToPacer =
  | {
      t: 'open';
      sinkId: string;
      host: string;
      port: number;
      payloadType: number;
      ssrc: number;
      sampleRateHz: PacerRateHz;
      idleSilence: boolean;
    }
  | { t: 'play'; sinkId: string; playbackId: string }
  | { t: 'pcm'; playbackId: string; chunk: PcmChunk }
  | { t: 'end'; playbackId: string; error: boolean }
  | { t: 'cancel'; playbackId: string }
  | { t: 'cancelAll'; sinkId: string }
  | { t: 'resetLateness'; sinkId: string }
  | { t: 'close'; sinkId: string };

/** Messages from the pacer thread to the main thread. Times are epoch ms (threads have different time origins). */
export type FromPacer =
  | { t: 'progress'; playbackId: string; playedMs: number; firstPacketAtEpochMs: number | null }
  | { t: 'done'; playbackId: string; result: PlaybackResult }
  | { t: 'stats'; sinkId: string; stats: AudioSinkStats }
  | { t: 'error'; message: string };
