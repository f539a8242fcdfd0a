import type { Moment } from '../../../protocol/video.js';
import type { TextHit, TextImageModel, VideoIndexReader } from '../types.js';
import { type ImageFeatures, rankFramesByText } from './imageRank.js';

/** How a `when` question's moments are ranked. */
export const MOMENT_DEFAULTS = {
  /** Hits closer than this merge into one moment. */
  mergeGapMs: 3000,
  /** Moments returned, best first. */
  maxMoments: 5,
  /** Search hits read before merging. */
  searchLimit: 30,
  /** Frames the text–image ranking proposes as moments. */
  imageCandidates: 5,
  /** Weight of the (normalised) image similarity beside the (normalised) text score of a moment. */
  imageWeight: 0.5,
} as const;

/** Text a moment carries, at most. */
const MOMENT_TEXT_CHARS = 200;

/** Whether a text–image ranking was blended in: `mismatch` when its embeddings are of another width. */
export type ImageRanking = 'used' | 'none' | 'mismatch';

export interface MomentOptions {
  mergeGapMs?: number;
  maxMoments?: number;
  /** A text–image model and the video's frame embeddings; null: text only. */
  textImage?: { model: TextImageModel; features: ImageFeatures } | null;
  signal?: AbortSignal;
}

interface Candidate {
  startMs: number;
  endMs: number;
  source: Moment['source'];
  /** Normalised to 0–1 within its source (image already weighted). */
  score: number;
  text: string;
}

/** Candidates closer than `gapMs` merged; a moment's score sums each source's best, so agreeing sources win. */
function mergeCandidates(candidates: Candidate[], gapMs: number): Moment[] {
  const sorted = [...candidates].sort((a, b) => a.startMs - b.startMs);
  const groups: Candidate[][] = [];
  let endMs = Number.NEGATIVE_INFINITY;
  for (const c of sorted) {
    const group = groups.at(-1);
    if (group && c.startMs <= endMs + gapMs) {
      group.push(c);
      endMs = Math.max(endMs, c.endMs);
    } else {
      groups.push([c]);
      endMs = c.endMs;
    }
  }
  return groups.map((g) => {
    const best = new Map<Moment['source'], Candidate>();
    for (const c of g) {
      const had = best.get(c.source);
      if (!had || c.score > had.score) best.set(c.source, c);
    }
    const tops = [...best.values()].sort((a, b) => b.score - a.score);
    const text = [...new Set(tops.map((c) => c.text).filter((t) => t !== ''))].join(' · ');
    return {
      startMs: Math.min(...g.map((c) => c.startMs)),
      endMs: Math.max(...g.map((c) => c.endMs)),
      score: tops.reduce((n, c) => n + c.score, 0),
      source: tops[0]!.source,
      text: text.length > MOMENT_TEXT_CHARS ? `${text.slice(0, MOMENT_TEXT_CHARS - 1)}…` : text,
    };
  });
}

function textCandidates(hits: readonly TextHit[]): Candidate[] {
  const top = Math.max(0, ...hits.map((h) => h.score));
  return hits.map((h) => ({
    startMs: h.startMs,
    endMs: Math.max(h.startMs, h.endMs),
    source: h.source,
    score: top > 0 ? h.score / top : 1,
    text: h.text,
  }));
}

/** Ranks the moments a `when` question asks for: full-text hits, blended with text–image similarity where given. */
export async function rankMoments(
  reader: VideoIndexReader,
  videoId: string,
  searchText: string,
  options: MomentOptions,
): Promise<{ moments: Moment[]; imageRanking: ImageRanking }> {
  const candidates = textCandidates(reader.search(videoId, searchText, MOMENT_DEFAULTS.searchLimit));
  let imageRanking: ImageRanking = 'none';
  if (options.textImage) {
    const { model, features } = options.textImage;
    const sims = await rankFramesByText(model, features, searchText, options.signal);
    if (sims === null) imageRanking = 'mismatch';
    else if (sims.length > 0) {
      imageRanking = 'used';
      const max = sims[0]!.similarity;
      const min = sims.at(-1)!.similarity;
      const span = max - min;
      for (const s of sims.slice(0, MOMENT_DEFAULTS.imageCandidates)) {
        candidates.push({
          startMs: s.tMs,
          endMs: s.tMs + 1000,
          source: 'image',
          score: MOMENT_DEFAULTS.imageWeight * (span > 0 ? (s.similarity - min) / span : 1),
          text: '',
        });
      }
    }
  }
  const moments = mergeCandidates(candidates, options.mergeGapMs ?? MOMENT_DEFAULTS.mergeGapMs)
    .sort((a, b) => b.score - a.score || a.startMs - b.startMs)
    .slice(0, options.maxMoments ?? MOMENT_DEFAULTS.maxMoments);
  return { moments, imageRanking };
}
