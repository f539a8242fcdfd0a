import { formatMmSs } from '../../../protocol/time.js';
import type { Citation } from '../../../protocol/video.js';
import { CLOCK_SOURCE, DURATION_SOURCE, normaliseTimeWords, parseClock, parseDuration } from './timeText.js';

/**
 * Unit times count as citations only after a word that places them ("at 30
 * seconds", "around 1 minute"); "for 10 seconds" is a length, not a moment.
 */
const PLACED_DURATION = new RegExp(
  `\\b(?:at|around|about|near|after|before|from|to|until|till|between|and|by|since)\\s+(?:the\\s+)?(${DURATION_SOURCE})`,
  'g',
);
const CLOCK = new RegExp(CLOCK_SOURCE, 'g');

/**
 * The timestamps an answer cites, in the order it first cites them: clock
 * times (`00:30`, `1:05`, `1:02:03`) and placed unit times ("at 30 seconds",
 * "after a minute and a half"). Each time once (to the second); times past
 * the video's end dropped. Labels are `mm:ss` (protocol/time.ts).
 */
export function extractCitations(answer: string, durationMs: number): Citation[] {
  const text = normaliseTimeWords(answer);
  const found: { at: number; tMs: number }[] = [];
  for (const m of text.matchAll(CLOCK)) {
    const tMs = parseClock(m[0]);
    if (tMs !== null) found.push({ at: m.index, tMs });
  }
  for (const m of text.matchAll(PLACED_DURATION)) {
    const tMs = parseDuration(m[1] ?? '');
    if (tMs !== null) found.push({ at: m.index, tMs });
  }
  const seen = new Set<number>();
  const out: Citation[] = [];
  for (const { tMs } of found.sort((a, b) => a.at - b.at)) {
    const second = Math.floor(tMs / 1000);
    if (tMs > durationMs || seen.has(second)) continue;
    seen.add(second);
    out.push({ tMs: second * 1000, label: formatMmSs(tMs) });
  }
  return out;
}
