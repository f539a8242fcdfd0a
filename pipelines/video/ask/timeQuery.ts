import { SightlineError } from '../../../protocol/errors.js';
import type { AskRequest, QuestionKind } from '../../../protocol/video.js';
import type { TimeRange } from '../types.js';
import {
  CLOCK_SOURCE,
  DURATION_SOURCE,
  lastUnitMs,
  normaliseTimeWords,
  parseClock,
  parseDuration,
  parseTimestamp,
} from './timeText.js';

/** Half the window a time question looks at: "at 30 seconds" reads 25–35 s. */
export const TIME_HALF_WINDOW_MS = 5000;
/** The window "at the end" / "at the start" / "after a minute" reads. */
export const EDGE_WINDOW_MS = 10_000;

/** What a question asks, as the retrieval needs it. */
export interface ParsedQuestion {
  kind: QuestionKind;
  /** The window the question is about (time and range questions), clamped to the video; else null. */
  window: TimeRange | null;
  /** The moment a time question names (clamped), the centre of its dense frames; null for other kinds. */
  tMs: number | null;
  /** For `when` questions: the words to search for (no question words, no stop words); else ''. */
  searchText: string;
  /** Where the time came from: the structured `t` / `range` fields or the words; null without one. */
  timeFrom: 'fields' | 'words' | null;
}

/** Structured fields of an ask request: they win over what the words say. */
export type AskTimeFields = Pick<AskRequest, 't' | 'range'>;

const STOP_WORDS = new Set(
  (
    'a an the is are was were be been being do does did done doing of to in on at by for with from into ' +
    'onto and or but it its this that these those there here what which who whom whose how why when where ' +
    'time point moment part video clip film happen happens happened happening show shows shown showing ' +
    'i me my we us you your he she they them someone somebody anyone something get gets got can could ' +
    'would should will shall may might must first ever exactly just about after before during some any ' +
    'see seen seeing appear appears appeared tell please let find out'
  )
    .split(' ')
    .filter((w) => w !== ''),
);

const WHEN_LEAD =
  /^\s*(?:(?:so|and|ok(?:ay)?|please|tell me|can you tell me|do you know)[\s,]+)*(?:when(?:\s+(?:exactly|again))?\b|at what (?:time|point|moment)\b|at which (?:time|point|moment)\b|what time\b|how (?:long|soon) (?:until|till|before)\b|where in the (?:video|clip)\b|(?:find|show me) (?:the )?(?:moment|part|bit|time|point)\b)/;

const SUMMARY =
  /\b(?:summar(?:y|ies|i[sz]e[ds]?|i[sz]ing)|chapters?|overview|recap|gist|tl;?dr|outline|highlights|key moments|what(?:'s| is| was) (?:this|the|that|it) (?:video |clip )?about|what(?:'s| is) (?:in|going on in) (?:this|the) (?:video|clip)|what happens in (?:this|the) (?:video|clip)|describe (?:this|the) (?:whole )?(?:video|clip))\b/;

const T = `(?:${CLOCK_SOURCE}|${DURATION_SOURCE}|\\d+(?:\\.\\d+)?)`;
const T_STRICT = `(?:${CLOCK_SOURCE}|${DURATION_SOURCE})`;

function clamp(ms: number, durationMs: number): number {
  return Math.min(Math.max(0, ms), durationMs);
}

function around(tMs: number, durationMs: number): TimeRange {
  return {
    startMs: clamp(tMs - TIME_HALF_WINDOW_MS, durationMs),
    endMs: clamp(tMs + TIME_HALF_WINDOW_MS, durationMs),
  };
}

/** A range clamped to the video; a range wholly past the end reads the video's last moments. */
function clampRange(startMs: number, endMs: number, durationMs: number): TimeRange {
  let s = clamp(startMs, durationMs);
  const e = clamp(endMs, durationMs);
  if (e - s < 1000) s = clamp(e - EDGE_WINDOW_MS, durationMs);
  return { startMs: s, endMs: e };
}

function invalid(message: string): SightlineError {
  return new SightlineError('ERR_INVALID_ARGUMENT', message);
}

/** A structured time: seconds as a number, or a timestamp string. */
function fieldTime(value: unknown, name: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw invalid(`${name} must be a non-negative number of seconds`);
    return Math.round(value * 1000);
  }
  if (typeof value === 'string') {
    const ms = value.length <= 32 ? parseTimestamp(value) : null;
    if (ms === null) throw invalid(`${name} is not a time (use seconds, "1:05" or "90s")`);
    return ms;
  }
  throw invalid(`${name} must be seconds or a timestamp string`);
}

function fromFields(fields: AskTimeFields, durationMs: number): ParsedQuestion | null {
  if (fields.range !== undefined) {
    const r: unknown = fields.range;
    let startMs: number;
    let endMs: number;
    if (Array.isArray(r)) {
      if (r.length !== 2) throw invalid('range must be [start, end]');
      startMs = fieldTime(r[0], 'range start');
      endMs = fieldTime(r[1], 'range end');
    } else if (typeof r === 'object' && r !== null && 'startMs' in r && 'endMs' in r) {
      const { startMs: s, endMs: e } = r as { startMs: unknown; endMs: unknown };
      if (
        typeof s !== 'number' ||
        typeof e !== 'number' ||
        !Number.isFinite(s) ||
        !Number.isFinite(e) ||
        s < 0
      ) {
        throw invalid('range.startMs and range.endMs must be non-negative numbers');
      }
      startMs = s;
      endMs = e;
    } else {
      throw invalid('range must be [start, end] or { startMs, endMs }');
    }
    if (endMs <= startMs) throw invalid('range must end after it starts');
    return {
      kind: 'range',
      window: clampRange(startMs, endMs, durationMs),
      tMs: null,
      searchText: '',
      timeFrom: 'fields',
    };
  }
  if (fields.t !== undefined) {
    const tMs = clamp(fieldTime(fields.t, 't'), durationMs);
    return { kind: 'time', window: around(tMs, durationMs), tMs, searchText: '', timeFrom: 'fields' };
  }
  return null;
}

/** A time token the regexes found: a clock, a unit duration, or a bare number of seconds. */
function tokenMs(token: string, bareUnitMs = 1000): number | null {
  const t = token.trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) return Math.round(Number(t) * bareUnitMs);
  return parseClock(t) ?? parseDuration(t);
}

type Found = Pick<ParsedQuestion, 'kind' | 'window' | 'tMs'>;

function time(tMs: number, durationMs: number, window?: TimeRange): Found {
  const t = clamp(tMs, durationMs);
  return { kind: 'time', tMs: t, window: window ?? around(t, durationMs) };
}

/** The time or window the words name, tried from the most specific phrasing to the least. */
function fromWords(n: string, durationMs: number): Found | null {
  const range = new RegExp(`\\b(?:between|from)\\s+(${T})\\s*(?:and|to|until|till|-)\\s*(${T})`).exec(n);
  if (range) {
    const unit = lastUnitMs(range[2] ?? '') ?? 1000;
    const a = tokenMs(range[1] ?? '', unit);
    const b = tokenMs(range[2] ?? '', unit);
    if (a !== null && b !== null && b > a) {
      return { kind: 'range', tMs: null, window: clampRange(a, b, durationMs) };
    }
  }
  const bare = new RegExp(`(${T_STRICT})\\s*(?:-|to)\\s*(${T_STRICT})`).exec(n);
  if (bare) {
    const a = tokenMs(bare[1] ?? '');
    const b = tokenMs(bare[2] ?? '');
    if (a !== null && b !== null && b > a) {
      return { kind: 'range', tMs: null, window: clampRange(a, b, durationMs) };
    }
  }
  const edge = new RegExp(
    `\\b(first|opening|last|final|closing)\\s+(?:(${DURATION_SOURCE})|(\\d+(?:\\.\\d+)?\\s+)?(hours?|minutes?|mins?|seconds?|secs?)\\b)`,
  ).exec(n);
  if (edge) {
    const unit = lastUnitMs(edge[4] ?? '') ?? 1000;
    const lenMs = edge[2] ? (parseDuration(edge[2]) ?? 0) : Number(edge[3] ?? 1) * unit;
    const fromStart = edge[1] === 'first' || edge[1] === 'opening';
    const window = fromStart
      ? clampRange(0, lenMs, durationMs)
      : clampRange(durationMs - lenMs, durationMs, durationMs);
    return { kind: 'range', tMs: null, window };
  }
  const afterBefore = new RegExp(`\\b(after|past|before|until|till|up to)\\s+(${T})`).exec(n);
  if (afterBefore) {
    const tMs = tokenMs(afterBefore[2] ?? '');
    if (tMs !== null) {
      const t = clamp(tMs, durationMs);
      const after = afterBefore[1] === 'after' || afterBefore[1] === 'past';
      const window = after
        ? clampRange(t, t + EDGE_WINDOW_MS, durationMs)
        : clampRange(t - EDGE_WINDOW_MS, t, durationMs);
      return time(t, durationMs, window);
    }
  }
  if (
    /\b(?:at|by|near|towards?|around) the (?:very )?end\b|\bthe (?:very )?end of (?:the|this|it)\b|\b(?:the )?ending\b|\bat the finish\b|\bin the end\b/.test(
      n,
    )
  ) {
    return time(durationMs, durationMs, clampRange(durationMs - EDGE_WINDOW_MS, durationMs, durationMs));
  }
  if (
    /\b(?:at|in|near|around) the (?:very )?(?:beginning|start|outset)\b|\b(?:beginning|start) of (?:the|this|it)\b|\bthe opening\b/.test(
      n,
    )
  ) {
    return time(0, durationMs, clampRange(0, EDGE_WINDOW_MS, durationMs));
  }
  if (/\bhalf\s*way\b|\bmid\s*way\b|\bin the middle\b|\bthe middle of\b|\bmidpoint\b/.test(n)) {
    return time(Math.round(durationMs / 2), durationMs);
  }
  const ordinal = /\b(hour|minute|second)\s+(\d+(?:\.\d+)?)\b/.exec(n);
  if (ordinal) return time(Number(ordinal[2]) * (lastUnitMs(ordinal[1] ?? '') ?? 1000), durationMs);
  const any = new RegExp(T_STRICT).exec(n);
  if (any) {
    const tMs = tokenMs(any[0]);
    if (tMs !== null) return time(tMs, durationMs);
  }
  const atBare = /\b(?:at|around)\s+(\d+(?:\.\d+)?)(?![\d.:])/.exec(n);
  if (atBare) return time(Math.round(Number(atBare[1]) * 1000), durationMs);
  return null;
}

/** The words of a `when` question worth searching for: the lead, punctuation and stop words out. */
export function whenSearchText(question: string): string {
  const lower = question.toLowerCase().replace(/[\u2018\u2019]/g, "'");
  // "when's" leaves its "'s" behind the lead.
  const rest = lower.replace(WHEN_LEAD, ' ').replace(/^\s*'s\b/, ' ');
  const words = rest.match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [];
  const kept: string[] = [];
  for (const w of words) {
    // A possessive searches for its noun ("the dog's ball" → dog ball); "it's", "doesn't", "they're" go.
    const word = w.endsWith("'s") ? w.slice(0, -2) : w;
    if (!word.includes("'") && !STOP_WORDS.has(word)) kept.push(word);
  }
  return kept.join(' ');
}

/**
 * Reads what a question about a video asks. Structured `t` / `range` fields
 * win over the words (and are checked: ERR_INVALID_ARGUMENT); otherwise the
 * words are read for a window ("between 0:20 and 0:40", "in the last 30
 * seconds"), a time ("at 1:05", "around minute two", "at the end",
 * "halfway through"), a `when` question (with its search words), a summary,
 * or nothing in particular (`general`). Times past the end clamp to the video.
 */
export function parseQuestion(question: string, fields: AskTimeFields, durationMs: number): ParsedQuestion {
  const d = Math.max(0, durationMs);
  const structured = fromFields(fields, d);
  if (structured) return structured;
  const found = fromWords(normaliseTimeWords(question), d);
  if (found) return { ...found, searchText: '', timeFrom: 'words' };
  const lower = question.toLowerCase();
  if (WHEN_LEAD.test(lower)) {
    const searchText = whenSearchText(question);
    if (searchText !== '') return { kind: 'when', window: null, tMs: null, searchText, timeFrom: null };
  }
  const kind: QuestionKind = SUMMARY.test(lower) ? 'summary' : 'general';
  return { kind, window: null, tMs: null, searchText: '', timeFrom: null };
}
