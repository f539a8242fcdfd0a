import { formatMmSs } from '../../../protocol/time.js';
import type { ChapterRecord, FrameRecord, OcrRecord, SegmentRecord } from '../types.js';

/** How scene changes become chapters. */
export interface ChapterOptions {
  /** No chapter is shorter than this… */
  minChapterMs: number;
  /** …nor than this share of the video (an hour gets chapters of 3 min at least). */
  minChapterShare: number;
  /** Words of the transcript a title takes at most. */
  titleWords: number;
}

/** The documented defaults of {@link ChapterOptions}. */
export const CHAPTER_DEFAULTS: Readonly<ChapterOptions> = Object.freeze({
  minChapterMs: 8000,
  minChapterShare: 1 / 20,
  titleWords: 8,
});

/** What chapters are made from: the video's length and its committed rows. */
export interface ChapterInput {
  durationMs: number;
  frames: readonly Pick<FrameRecord, 'tMs' | 'scene'>[];
  segments: readonly SegmentRecord[];
  ocr: readonly OcrRecord[];
}

function title(start: number, end: number, input: ChapterInput, words: number): string {
  let best: OcrRecord | null = null;
  for (const l of input.ocr) {
    if (l.tMs >= start && l.tMs < end && (best === null || l.confidence > best.confidence)) best = l;
  }
  if (best) return best.text;
  const said = input.segments
    .filter((s) => s.startMs >= start && s.startMs < end)
    .sort((a, b) => a.startMs - b.startMs)
    .map((s) => s.text.trim())
    .join(' ')
    .split(/\s+/)
    .filter((w) => w !== '');
  if (said.length > 0) return said.slice(0, words).join(' ') + (said.length > words ? '…' : '');
  return `Scene at ${formatMmSs(start)}`;
}

/**
 * Chapters from the scene changes: each scene frame starts a chapter, the first starts at 0,
 * the last ends at the video's end. A scene change closer than the minimum length
 * (`max(minChapterMs, minChapterShare × duration)`) to the chapter start before it is not a
 * chapter start, nor is one that would leave the last chapter too short. A chapter's title is
 * its most confident on-screen line, else its first spoken words, else `Scene at mm:ss`.
 * A video without length has no chapters. Pure.
 */
export function buildChapters(input: ChapterInput, options: Partial<ChapterOptions> = {}): ChapterRecord[] {
  const o = { ...CHAPTER_DEFAULTS, ...options };
  const duration = input.durationMs;
  if (!(duration > 0)) return [];
  const minMs = Math.max(o.minChapterMs, o.minChapterShare * duration);
  const cuts = input.frames
    .filter((f) => f.scene && f.tMs > 0 && f.tMs < duration)
    .map((f) => f.tMs)
    .sort((a, b) => a - b);
  const starts = [0];
  for (const t of cuts) if (t - (starts.at(-1) as number) >= minMs) starts.push(t);
  while (starts.length > 1 && duration - (starts.at(-1) as number) < minMs) starts.pop();
  return starts.map((startMs, i) => {
    const endMs = starts[i + 1] ?? duration;
    return { startMs, endMs, title: title(startMs, endMs, input, o.titleWords) };
  });
}
