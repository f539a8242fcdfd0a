import type { VadVerdict } from '../../pipelines/listen/vadStage.js';
import type { ScriptedItem } from '../../pipelines/testing/harness.js';

/** The VAD's window: one verdict per 20 ms. */
export const VAD_WINDOW_MS = 20;

/** A VAD track: [probability, durationMs] segments in 20 ms windows, each offered when its window ends. */
export function vadTrack(...segments: [number, number][]): ScriptedItem<VadVerdict>[] {
  const out: ScriptedItem<VadVerdict>[] = [];
  let ptsMs = 0;
  for (const [probability, durationMs] of segments) {
    for (let t = 0; t < durationMs; t += VAD_WINDOW_MS) {
      out.push({ atMs: ptsMs + VAD_WINDOW_MS, item: { ptsMs, durationMs: VAD_WINDOW_MS, probability } });
      ptsMs += VAD_WINDOW_MS;
    }
  }
  return out;
}

/** A segment the VAD hears as speech. */
export const speech = (ms: number): [number, number] => [0.9, ms];
/** A segment the VAD hears as silence. */
export const quiet = (ms: number): [number, number] => [0.05, ms];
