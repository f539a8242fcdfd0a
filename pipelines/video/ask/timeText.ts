/**
 * Times written in words and digits, shared by the question parser and the
 * citation extractor: `1:05`, `01:02:03`, `90s`, `2m30s`, `1 minute 30
 * seconds`, and number words (`thirty`, `forty-five`, `a minute and a half`).
 * All results are milliseconds.
 */

const SMALL: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fourty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

const SMALL_RE = Object.keys(SMALL).join('|');
const TENS_RE = Object.keys(TENS).join('|');
/** "forty-five", "forty five", "thirty", "nine", "a hundred and twenty" is out of scope (say 2 minutes). */
const NUMBER_WORDS = new RegExp(`\\b(?:(${TENS_RE})(?:[\\s-]+(${SMALL_RE}))?|(${SMALL_RE}))\\b`, 'g');

/** Unit words as the regexes below accept them, longest first so `seconds` wins over `s`. */
const UNIT = '(hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])';
/** One `number unit` pair: `30 seconds`, `2m`, `1.5 minutes`. */
const PAIR = `(\\d+(?:\\.\\d+)?)\\s*${UNIT}`;

/** A span of a unit duration (`2m30s`, `1 minute and 30 seconds`) as a regex source; no groups. */
export const DURATION_SOURCE = `(?:\\d+(?:\\.\\d+)?\\s*(?:hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])(?:\\s*(?:and\\s+|,\\s*)?(?=\\d))?)+`;
/** A clock time (`1:02:03`, `01:05`, `1:05`, `75:03`) as a regex source; no groups. */
export const CLOCK_SOURCE = '(?<![\\d:.])(?:\\d{1,2}:[0-5]\\d:[0-5]\\d|\\d{1,3}:[0-5]\\d)(?![\\d:])';

function unitMs(unit: string): number {
  if (unit.startsWith('h')) return 3_600_000;
  if (unit.startsWith('m')) return 60_000;
  return 1000;
}

/**
 * Lower case, number words as digits, and the idioms of spoken time as units:
 * "a minute and a half" → "90 seconds", "half a minute" → "30 seconds",
 * "a minute" → "1 minute", "two-minute mark" → "2 minute mark", "–" → "-".
 */
export function normaliseTimeWords(text: string): string {
  let s = text.toLowerCase().replace(/[\u2013\u2014]/g, '-');
  s = s.replace(NUMBER_WORDS, (_m, tens?: string, unit?: string, small?: string) => {
    if (tens !== undefined) return String((TENS[tens] ?? 0) + (unit ? (SMALL[unit] ?? 0) : 0));
    return String(SMALL[small ?? ''] ?? 0);
  });
  s = s
    .replace(/\b(?:an?|1) (hour|minute|second) and a half\b/g, (_m, u: string) =>
      u === 'hour' ? '90 minutes' : u === 'minute' ? '90 seconds' : '1.5 seconds',
    )
    .replace(/\b(\d+) and a half (hours?|minutes?|seconds?)\b/g, (_m, n: string, u: string) => `${n}.5 ${u}`)
    .replace(/\bhalf (?:an?|1) (hour|minute)\b/g, (_m, u: string) =>
      u === 'hour' ? '30 minutes' : '30 seconds',
    )
    .replace(/\ba couple of\b/g, '2')
    .replace(/\b(?:an?) (hour|minute|second)\b/g, '1 $1')
    .replace(/(\d)-(?=[a-z])/g, '$1 ');
  return s;
}

/** Milliseconds of a clock time (`1:05` → 65 000, `1:02:03` → 3 723 000), or null. */
export function parseClock(text: string): number | null {
  const m = /^(?:(\d{1,2}):)?(\d{1,3}):([0-5]\d)$/.exec(text.trim());
  if (!m) return null;
  return (Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000;
}

/** Milliseconds of a unit duration (`2m30s`, `1 minute and 30 seconds`, `90s`), or null. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (!new RegExp(`^${DURATION_SOURCE}$`).test(t)) return null;
  let ms = 0;
  for (const m of t.matchAll(new RegExp(PAIR, 'g'))) ms += Number(m[1]) * unitMs(m[2] ?? 's');
  return Math.round(ms);
}

/**
 * Milliseconds of a timestamp as a client writes it: a clock time, a unit
 * duration, or a bare number of seconds (`"30"`, `"12.5"`); null otherwise.
 */
export function parseTimestamp(text: string): number | null {
  const t = normaliseTimeWords(text).trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  return parseClock(t) ?? parseDuration(t);
}

/** The unit a duration ends with, in ms (`"40 seconds"` → 1000), for a bare number beside it. */
export function lastUnitMs(text: string): number | null {
  const m = new RegExp(`${UNIT}\\s*$`).exec(text.trim());
  return m ? unitMs(m[1] ?? 's') : null;
}
