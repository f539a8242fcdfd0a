/**
 * What the words of a turn say about the turn, for the turn detector and the
 * dialog: does the person sound unfinished, and is a short utterance only a
 * backchannel ("mhm", "ok") rather than a turn of their own. English rules;
 * other languages get no unfinished-phrase hint and no backchannel filter.
 */

/** Words after which a sentence cannot end: conjunctions, articles, hesitations. */
const DANGLING = new Set([
  'and',
  'so',
  'but',
  'because',
  'cause',
  'cuz',
  'or',
  'nor',
  'if',
  'the',
  'a',
  'an',
  'um',
  'umm',
  'uh',
  'uhm',
  'er',
  'erm',
  'point',
]);

/** Hesitations written with any number of repeated letters ("ummm", "uhhh", "errr"). */
const HESITATION = /^(u+m+|u+h+m*|e+r+m*|a+h+m+)$/;

const DIGIT_WORDS = new Set([
  'zero',
  'oh',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'double',
  'triple',
]);

/** Words that announce a number to be read out ("my number is 0 7 7"). */
const NUMBER_CUES = new Set([
  'number',
  'phone',
  'code',
  'pin',
  'postcode',
  'zip',
  'card',
  'account',
  'reference',
  'extension',
]);

/** Lower-cased words with punctuation gone (apostrophes kept, hyphens split words). */
function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/(\d)[.,](?=\d)/g, '$1')
    .replace(/[^\p{L}\p{N}'\s]+/gu, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0);
}

const isDigitToken = (w: string) => /^\d+$/.test(w) || DIGIT_WORDS.has(w);

/**
 * True when the words so far look like the person has not finished: they end
 * on a conjunction ("and", "so", "but", "because", "or"), an article, a
 * hesitation ("um", "uh", "er"), "point" (a decimal being read), a trailing
 * comma, dash or ellipsis, or in the middle of a number being read out (two or
 * more single digits in a row, or digits right after "number", "code", ...).
 * A final "?" or "!" means finished. Empty text is not unfinished.
 */
export function looksUnfinished(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed.length === 0 || /[?!]["')\]]*$/.test(trimmed)) return false;
  if (/(,|;|:|-|–|—|\.\.\.|…)["')\]]*$/.test(trimmed)) return true;
  const words = tokens(trimmed);
  const last = words.at(-1);
  if (last === undefined) return false;
  if (DANGLING.has(last) || HESITATION.test(last)) return true;
  if (!isDigitToken(last)) return false;
  let run = 0;
  while (run < words.length && isDigitToken(words[words.length - 1 - run] as string)) run++;
  if (run >= 2) return true;
  const before = words.slice(Math.max(0, words.length - 1 - run - 3), words.length - run);
  return before.some((w) => NUMBER_CUES.has(w));
}

/** Backchannels, as word sequences after {@link tokens} and letter-run folding. */
const BACKCHANNEL_UNITS: readonly string[][] = [
  'mhm',
  'mhmm',
  'mm hmm',
  'mmhmm',
  'mm hm',
  'mmhm',
  'uh huh',
  'uhhuh',
  'uh hum',
  'hm',
  'hmm',
  'mm',
  'ok',
  'okay',
  'yeah',
  'yea',
  'yes',
  'yep',
  'yup',
  'right',
  'alright',
  'all right',
  'sure',
  'i see',
  'got it',
  'oh',
  'ah',
  'aha',
  'uh',
  'cool',
  'exactly',
  "that's right",
  'i know',
]
  .map((u) => u.split(' '))
  .sort((a, b) => b.length - a.length);

/** At most this many words: a longer utterance is a turn, whatever its words. */
const MAX_BACKCHANNEL_WORDS = 4;

/** "mmmm" → "mm", "okayyy" → "okay", "hmmm" → "hmm": a run of 3+ letters becomes two, then the unit list decides. */
function fold(word: string): string[] {
  const two = word.replace(/(\p{L})\1{2,}/gu, '$1$1');
  const one = word.replace(/(\p{L})\1+/gu, '$1');
  return two === one ? [two] : [two, one];
}

/**
 * True when `text` is only a listener's acknowledgement ("mhm", "mm-hmm",
 * "uh-huh", "ok", "okay", "yeah", "yes", "right", "sure", "i see", "got it",
 * "hm", and short runs of them such as "yeah, yeah" or "oh okay, got it"),
 * case and punctuation folded. The dialog uses it to let such an utterance
 * pass without interrupting the assistant. Empty text is not a backchannel
 * (no words at all is noise, the dialog's other case).
 */
export function isBackchannel(text: string): boolean {
  const words = tokens(text);
  if (words.length === 0 || words.length > MAX_BACKCHANNEL_WORDS) return false;
  let i = 0;
  outer: while (i < words.length) {
    for (const unit of BACKCHANNEL_UNITS) {
      if (i + unit.length > words.length) continue;
      const matches = unit.every((u, k) => fold(words[i + k] as string).includes(u));
      if (matches) {
        i += unit.length;
        continue outer;
      }
    }
    return false;
  }
  return true;
}
