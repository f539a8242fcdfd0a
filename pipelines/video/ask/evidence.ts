import type { EvidenceFrame, Moment } from '../../../protocol/video.js';
import type {
  ChapterRecord,
  FrameRecord,
  OcrRecord,
  SegmentRecord,
  TextImageModel,
  TimeRange,
  VideoIndexReader,
} from '../types.js';
import type { ImageFeatures } from './imageRank.js';
import type { ImageRanking } from './moments.js';
import { rankMoments } from './moments.js';
import type { ParsedQuestion } from './timeQuery.js';

/**
 * Budgets of one answer's evidence. The defaults keep a prompt near 16 × 64
 * visual tokens plus ~750 tokens of text: frames ≤ 16 in all (6 of them the
 * sparse spread of the whole video), transcript and OCR lines ≤ 3000
 * characters counted as the prompt writes them.
 */
export const EVIDENCE_DEFAULTS = {
  maxFrames: 16,
  sparseFrames: 6,
  maxTextChars: 3000,
  /** Moments whose surroundings are shown as frames and text. */
  shownMoments: 3,
  /** Frames shown per shown moment. */
  framesPerMoment: 3,
} as const;

/** Characters a line costs beyond its text (`[mm:ss–mm:ss] `, `Text on screen at mm:ss: `, newline). */
const LINE_OVERHEAD_CHARS = 26;

export interface EvidenceOptions {
  /** The video's length (its probe's `durationMs`). */
  durationMs: number;
  maxFrames?: number;
  sparseFrames?: number;
  maxTextChars?: number;
  /** Hits closer than this merge into one moment (MOMENT_DEFAULTS.mergeGapMs). */
  mergeGapMs?: number;
  /** Moments returned, best first (MOMENT_DEFAULTS.maxMoments). */
  maxMoments?: number;
  /** A text–image model and the video's frame embeddings, to blend into `when` rankings; null: text only. */
  textImage?: { model: TextImageModel; features: ImageFeatures } | null;
  signal?: AbortSignal;
}

/** A frame picked for the model, and why. */
export interface PickedFrame {
  tMs: number;
  role: EvidenceFrame['role'];
}

/** What the model is given to answer one question (frames by time; text lines by time). */
export interface GatheredEvidence {
  frames: PickedFrame[];
  transcript: SegmentRecord[];
  ocr: OcrRecord[];
  /** Ranked moments (`when` questions), best first. */
  moments: Moment[];
  /** All chapters (`summary` questions); empty otherwise. */
  chapters: ChapterRecord[];
  /** Whether a text–image ranking was blended in: `mismatch` when its embeddings are of another width. */
  imageRanking: ImageRanking;
}

/** Kept frames first, then scene frames, then plain samples. */
function rank(f: FrameRecord): number {
  return f.kept ? 0 : f.scene ? 1 : 2;
}

/** Up to `n` frames spread over `range`: one per equal bin, kept or scene frames preferred, then nearest the bin's centre. */
function spread(
  frames: readonly FrameRecord[],
  range: TimeRange,
  n: number,
  taken: Set<number>,
): FrameRecord[] {
  const out: FrameRecord[] = [];
  const widthMs = (range.endMs - range.startMs) / Math.max(1, n);
  for (let i = 0; i < n; i++) {
    const lo = range.startMs + i * widthMs;
    const hi = i === n - 1 ? range.endMs + 1 : lo + widthMs;
    const centre = lo + widthMs / 2;
    let best: FrameRecord | null = null;
    for (const f of frames) {
      if (f.tMs < lo || f.tMs >= hi || taken.has(f.tMs)) continue;
      if (
        !best ||
        rank(f) < rank(best) ||
        (rank(f) === rank(best) && Math.abs(f.tMs - centre) < Math.abs(best.tMs - centre))
      ) {
        best = f;
      }
    }
    if (best) {
      taken.add(best.tMs);
      out.push(best);
    }
  }
  return out;
}

/**
 * How far around each bin's centre the sparse spread reads frames: a long
 * video's spread reads n × 30 s of frame rows, not all of them, so retrieval
 * stays flat in the video's length (kept frames farther than this from a
 * centre are passed over for nearer plain ones).
 */
export const SPREAD_PROBE_MS = 15_000;

/** {@link spread} over `range`, reading only the frames near each bin's centre when the bins are wide. */
function spreadOver(
  reader: VideoIndexReader,
  videoId: string,
  range: TimeRange,
  n: number,
  taken: Set<number>,
): FrameRecord[] {
  if (n <= 0) return [];
  const widthMs = (range.endMs - range.startMs) / n;
  if (widthMs <= 2 * SPREAD_PROBE_MS) {
    return spread(
      reader.frames(videoId, { startMs: range.startMs, endMs: range.endMs + 1 }),
      range,
      n,
      taken,
    );
  }
  const out: FrameRecord[] = [];
  for (let i = 0; i < n; i++) {
    const lo = range.startMs + i * widthMs;
    const bin = { startMs: lo, endMs: i === n - 1 ? range.endMs : lo + widthMs };
    const centre = lo + widthMs / 2;
    const near = reader.frames(videoId, {
      startMs: centre - SPREAD_PROBE_MS,
      endMs: centre + SPREAD_PROBE_MS,
    });
    out.push(...spread(near, bin, 1, taken));
  }
  return out;
}

/** Up to `n` frames of `frames` around `tMs`: the nearest one always, then kept, scene and plain frames by distance. */
function nearest(frames: readonly FrameRecord[], tMs: number, n: number, taken: Set<number>): FrameRecord[] {
  const free = frames.filter((f) => !taken.has(f.tMs));
  if (free.length === 0 || n <= 0) return [];
  const dist = (f: FrameRecord) => Math.abs(f.tMs - tMs);
  const closest = free.reduce((a, b) => (dist(b) < dist(a) ? b : a));
  const rest = free
    .filter((f) => f !== closest)
    .sort((a, b) => rank(a) - rank(b) || dist(a) - dist(b) || a.tMs - b.tMs);
  const out = [closest, ...rest].slice(0, n);
  for (const f of out) taken.add(f.tMs);
  return out;
}

const lineCost = (text: string) => text.length + LINE_OVERHEAD_CHARS;

type TextItem = { kind: 'transcript'; s: SegmentRecord } | { kind: 'ocr'; o: OcrRecord };
const itemText = (i: TextItem) => (i.kind === 'transcript' ? i.s.text : i.o.text);
const itemMs = (i: TextItem) => (i.kind === 'transcript' ? i.s.startMs : i.o.tMs);

/** The same on-screen text read again: kept once, where `better` prefers. */
function dedupeOcr(
  lines: readonly OcrRecord[],
  better: (a: OcrRecord, b: OcrRecord) => boolean,
): OcrRecord[] {
  const byText = new Map<string, OcrRecord>();
  for (const o of lines) {
    const key = o.text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
    if (key === '') continue;
    const had = byText.get(key);
    if (!had || better(o, had)) byText.set(key, o);
  }
  return [...byText.values()].sort((a, b) => a.tMs - b.tMs);
}

/** Items fitted to the budget, most important first (`priority` ascending), returned in time order. */
function fitByPriority(items: TextItem[], budget: number, priority: (i: TextItem) => number): TextItem[] {
  let used = 0;
  const kept: TextItem[] = [];
  for (const item of [...items].sort((a, b) => priority(a) - priority(b) || itemMs(a) - itemMs(b))) {
    const cost = lineCost(itemText(item));
    if (used + cost > budget) continue;
    used += cost;
    kept.push(item);
  }
  return kept.sort((a, b) => itemMs(a) - itemMs(b));
}

/** Items fitted to the budget by keeping every k-th (the smallest k that fits), so the whole video stays covered. */
function fitEvenly<T>(items: readonly T[], budget: number, text: (t: T) => string): T[] {
  for (let k = 1; k <= items.length; k++) {
    const picked = items.filter((_, i) => i % k === 0);
    if (picked.reduce((n, t) => n + lineCost(text(t)), 0) <= budget) return picked;
  }
  return [];
}

function split(items: readonly TextItem[]): { transcript: SegmentRecord[]; ocr: OcrRecord[] } {
  const transcript: SegmentRecord[] = [];
  const ocr: OcrRecord[] = [];
  for (const i of items) {
    if (i.kind === 'transcript') transcript.push(i.s);
    else ocr.push(i.o);
  }
  return { transcript, ocr };
}

/** Transcript and OCR of a window: items nearest `centreMs` first while the budget lasts. */
function windowText(
  segments: readonly SegmentRecord[],
  ocr: readonly OcrRecord[],
  centreMs: number,
  budget: number,
): { transcript: SegmentRecord[]; ocr: OcrRecord[] } {
  const d = (ms: number) => Math.abs(ms - centreMs);
  const segDist = (s: SegmentRecord) =>
    s.startMs <= centreMs && centreMs < s.endMs ? 0 : Math.min(d(s.startMs), d(s.endMs));
  const lines = dedupeOcr(ocr, (a, b) => d(a.tMs) < d(b.tMs));
  const items: TextItem[] = [
    ...segments.map((s): TextItem => ({ kind: 'transcript', s })),
    ...lines.map((o): TextItem => ({ kind: 'ocr', o })),
  ];
  return split(fitByPriority(items, budget, (i) => (i.kind === 'transcript' ? segDist(i.s) : d(i.o.tMs))));
}

/** The whole video's text in a budget: two thirds for the transcript (and what OCR leaves), OCR deduplicated. */
function wholeText(
  segments: readonly SegmentRecord[],
  ocr: readonly OcrRecord[],
  budget: number,
): { transcript: SegmentRecord[]; ocr: OcrRecord[] } {
  const lines = dedupeOcr(ocr, (a, b) => a.tMs < b.tMs);
  const ocrCost = lines.reduce((n, o) => n + lineCost(o.text), 0);
  const transcriptBudget = Math.max(Math.floor((budget * 2) / 3), budget - ocrCost);
  const transcript = fitEvenly(segments, transcriptBudget, (s) => s.text);
  const used = transcript.reduce((n, s) => n + lineCost(s.text), 0);
  return { transcript, ocr: fitEvenly(lines, budget - used, (o) => o.text) };
}

function picked(frames: readonly FrameRecord[], role: PickedFrame['role']): PickedFrame[] {
  return frames.map((f) => ({ tMs: f.tMs, role }));
}

/**
 * Gathers what the model is shown for a parsed question, within the budgets
 * of {@link EVIDENCE_DEFAULTS}:
 * - `time`: dense frames of the window (the frame nearest t always, then kept
 *   and scene frames nearest t) plus a sparse spread of the whole video; the
 *   transcript segments overlapping the window and its OCR lines;
 * - `range`: frames spread over the range, the sparse spread, the range's text;
 * - `when`: moments ranked by full-text search (OCR hit → its frame's time,
 *   transcript hit → its segment; hits within `mergeGapMs` merged), blended
 *   with text–image similarity where given; frames (`match`) and text around
 *   the top moments; the sparse spread;
 * - `summary`: frames spread over the video, all chapters, the transcript and
 *   deduplicated OCR trimmed evenly to the budget;
 * - `general`: as `summary` without the chapters.
 */
export async function gatherEvidence(
  reader: VideoIndexReader,
  videoId: string,
  parsed: ParsedQuestion,
  options: EvidenceOptions,
): Promise<GatheredEvidence> {
  const maxFrames = options.maxFrames ?? EVIDENCE_DEFAULTS.maxFrames;
  const sparseCount = Math.min(options.sparseFrames ?? EVIDENCE_DEFAULTS.sparseFrames, maxFrames);
  const budget = options.maxTextChars ?? EVIDENCE_DEFAULTS.maxTextChars;
  const whole: TimeRange = { startMs: 0, endMs: Math.max(0, options.durationMs) };
  const taken = new Set<number>();
  const result = (
    frames: PickedFrame[],
    text: { transcript: SegmentRecord[]; ocr: OcrRecord[] },
    extra: Partial<GatheredEvidence> = {},
  ): GatheredEvidence => ({
    frames: frames.sort((a, b) => a.tMs - b.tMs),
    transcript: text.transcript,
    ocr: text.ocr,
    moments: [],
    chapters: [],
    imageRanking: 'none',
    ...extra,
  });

  if ((parsed.kind === 'time' || parsed.kind === 'range') && parsed.window) {
    const w = parsed.window;
    const inWindow = reader.frames(videoId, { startMs: w.startMs, endMs: Math.max(w.endMs, w.startMs + 1) });
    const centre = parsed.tMs ?? (w.startMs + w.endMs) / 2;
    const dense =
      parsed.kind === 'time'
        ? nearest(inWindow, centre, maxFrames - sparseCount, taken)
        : spread(inWindow, w, maxFrames - sparseCount, taken);
    const sparse = spreadOver(reader, videoId, whole, sparseCount, taken);
    // A window shorter than a frame interval still reads the text at its moment.
    const textRange = { startMs: w.startMs, endMs: Math.max(w.endMs, w.startMs + 1) };
    const text = windowText(
      reader.segments(videoId, textRange),
      reader.ocr(videoId, textRange),
      centre,
      budget,
    );
    return result([...picked(dense, 'dense'), ...picked(sparse, 'sparse')], text);
  }

  if (parsed.kind === 'when') {
    const { moments, imageRanking } = await rankMoments(reader, videoId, parsed.searchText, options);
    if (moments.length > 0) {
      const shown = moments.slice(0, EVIDENCE_DEFAULTS.shownMoments);
      const matchBudget = maxFrames - sparseCount;
      const perMoment = Math.max(
        1,
        Math.min(EVIDENCE_DEFAULTS.framesPerMoment, Math.floor(matchBudget / shown.length)),
      );
      const match: FrameRecord[] = [];
      const segments = new Map<string, SegmentRecord>();
      const ocr: OcrRecord[] = [];
      for (const m of shown) {
        const around = { startMs: m.startMs - 1000, endMs: m.endMs + 1001 };
        match.push(...nearest(reader.frames(videoId, around), (m.startMs + m.endMs) / 2, perMoment, taken));
        for (const s of reader.segments(videoId, around)) segments.set(`${s.startMs}:${s.endMs}`, s);
        ocr.push(...reader.ocr(videoId, around));
      }
      const sparse = spreadOver(reader, videoId, whole, sparseCount, taken);
      const best = shown[0]!;
      const text = windowText(
        [...segments.values()].sort((a, b) => a.startMs - b.startMs),
        ocr,
        (best.startMs + best.endMs) / 2,
        budget,
      );
      return result([...picked(match, 'match'), ...picked(sparse, 'sparse')], text, {
        moments,
        imageRanking,
      });
    }
    const sparse = spreadOver(reader, videoId, whole, maxFrames, taken);
    return result(
      picked(sparse, 'sparse'),
      wholeText(reader.segments(videoId), reader.ocr(videoId), budget),
      {
        imageRanking,
      },
    );
  }

  const sparse = spreadOver(reader, videoId, whole, maxFrames, taken);
  const text = wholeText(reader.segments(videoId), reader.ocr(videoId), budget);
  const chapters = parsed.kind === 'summary' ? reader.chapters(videoId) : [];
  return result(picked(sparse, 'sparse'), text, { chapters });
}
