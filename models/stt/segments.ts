import { TIMESTAMP_STEP_MS, type WhisperTokenIds } from './whisperTokens.js';

/** A stretch of transcript with its time in the audio. */
export interface TranscriptSegment {
  /** Absolute start and end, ms from the start of the stream. */
  startMs: number;
  endMs: number;
  text: string;
  tokens: number[];
}

/**
 * Splits generated tokens at their timestamp tokens into segments. `offsetMs`
 * makes times absolute; text after the last timestamp closes at `chunkEndMs`.
 */
export function tokensToSegments(
  tokens: readonly number[],
  ids: WhisperTokenIds,
  decode: (tokens: number[]) => string,
  offsetMs: number,
  chunkEndMs: number,
): TranscriptSegment[] {
  const segments: TranscriptSegment[] = [];
  let startMs: number | null = null;
  let text: number[] = [];
  const close = (endMs: number) => {
    const t = decode(text).trim();
    if (t.length > 0 && startMs !== null)
      segments.push({ startMs, endMs: Math.max(startMs, endMs), text: t, tokens: text });
    text = [];
  };
  for (const tok of tokens) {
    if (tok === ids.eot) break;
    if (tok >= ids.timestampBegin) {
      const ms = offsetMs + (tok - ids.timestampBegin) * TIMESTAMP_STEP_MS;
      if (text.length > 0) {
        close(ms);
        startMs = null;
      } else startMs = ms;
      continue;
    }
    if (tok > ids.eot) continue;
    if (startMs === null) startMs = segments.at(-1)?.endMs ?? offsetMs;
    text.push(tok);
  }
  if (text.length > 0) close(chunkEndMs);
  return segments;
}
