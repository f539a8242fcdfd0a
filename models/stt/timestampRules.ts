import type { WhisperTokenIds } from './whisperTokens.js';

/**
 * Whisper's timestamp rules applied to one step's logits (in place), as in the
 * reference decoder: the text must open with a timestamp (at most
 * `maxInitialTimestampIndex` in), timestamps come in pairs and never go back,
 * specials other than EOT are never generated, and when the timestamps together
 * outweigh every text token, a timestamp is forced.
 */
export function applyTimestampRules(
  logits: Float32Array,
  generated: readonly number[],
  ids: WhisperTokenIds,
  maxInitialTimestampIndex = 50,
): void {
  const tb = ids.timestampBegin;
  const vocab = logits.length;
  const ban = (from: number, to: number) =>
    logits.fill(Number.NEGATIVE_INFINITY, Math.max(0, from), Math.min(vocab, to));
  // Specials between EOT and the timestamps (sot, languages, tasks, notimestamps…) are never generated.
  ban(ids.eot + 1, tb);
  const n = generated.length;
  const last = n >= 1 ? (generated[n - 1] as number) : -1;
  const lastWasTs = n >= 1 && last >= tb;
  const penultimateWasTs = n < 2 || (generated[n - 2] as number) >= tb;
  if (lastWasTs) {
    if (penultimateWasTs) ban(tb, vocab);
    else ban(0, ids.eot);
  }
  let lastTs = -1;
  for (let i = n - 1; i >= 0; i--) {
    if ((generated[i] as number) >= tb) {
      lastTs = generated[i] as number;
      break;
    }
  }
  if (lastTs >= 0) {
    // Non-decreasing; a closing timestamp may equal the opening one only right after it.
    ban(tb, lastWasTs && !penultimateWasTs ? lastTs : lastTs + 1);
  }
  if (n === 0) {
    ban(0, tb);
    ban(tb + maxInitialTimestampIndex + 1, vocab);
  }
  // If the timestamps' total probability beats the best text token, force a timestamp.
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < vocab; i++) if ((logits[i] as number) > max) max = logits[i] as number;
  if (max === Number.NEGATIVE_INFINITY) return;
  let sumTs = 0;
  let maxText = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < vocab; i++) {
    const v = logits[i] as number;
    if (i >= tb) sumTs += Math.exp(v - max);
    else if (v > maxText) maxText = v;
  }
  if (sumTs > 0 && Math.log(sumTs) + max > maxText) ban(0, tb);
}

/** Index of the largest value. */
export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}
