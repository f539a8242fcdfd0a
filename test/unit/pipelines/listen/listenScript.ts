import type { AudioFrame, PcmChunk } from '../../../../core/media.js';
import { chunkDurationMs } from '../../../../models/roles/pcm.js';
import type { ScriptedItem } from '../../../../pipelines/testing/harness.js';

export const FRAME_MS = 20;

/** A speech script: [speaking?, durationMs] segments from time 0. */
export type Track = [boolean, number][];
export const talk = (ms: number): [boolean, number] => [true, ms];
export const hush = (ms: number): [boolean, number] => [false, ms];

/** Whether the track has speech at `ptsMs` (relative to its start). */
export function speakingAt(track: Track, ptsMs: number): boolean {
  let t = 0;
  for (const [speaking, ms] of track) {
    if (ptsMs < t + ms) return speaking;
    t += ms;
  }
  return false;
}

const trackMs = (track: Track) => track.reduce((sum, [, ms]) => sum + ms, 0);

/**
 * 16 kHz tap frames of a track, each offered when it ends (plus `offsetMs`);
 * speech is a loud square-ish wave, silence is zeros.
 */
export function tapFrames(
  track: Track,
  o: { offsetMs?: number; reanchorFirst?: boolean; rateHz?: number } = {},
): ScriptedItem<AudioFrame>[] {
  const offsetMs = o.offsetMs ?? 0;
  const rateHz = o.rateHz ?? 16000;
  const n = (rateHz * FRAME_MS) / 1000;
  const out: ScriptedItem<AudioFrame>[] = [];
  for (let t = 0; t < trackMs(track); t += FRAME_MS) {
    const speaking = speakingAt(track, t);
    const samples = Int16Array.from({ length: n }, (_, i) => (speaking ? (i % 16 < 8 ? 4000 : -4000) : 0));
    const ptsMs = offsetMs + t;
    out.push({
      atMs: ptsMs + FRAME_MS,
      item: {
        samples,
        sampleRateHz: rateHz,
        ptsMs,
        durationMs: FRAME_MS,
        filledSamples: 0,
        receivedAtMs: ptsMs + FRAME_MS,
        reanchored: t === 0 && (o.reanchorFirst ?? false),
      },
    });
  }
  return out;
}

/** A script of words, each said at a time: what an STT would hear in a stretch of audio. */
export function wordsSaid(script: [number, string][]): (utterance: PcmChunk) => string {
  return (u) => {
    const endMs = u.ptsMs + chunkDurationMs(u);
    return script
      .filter(([atMs]) => atMs >= u.ptsMs && atMs < endMs)
      .map(([, w]) => w)
      .join(' ');
  };
}
