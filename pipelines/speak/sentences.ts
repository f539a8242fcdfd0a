const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'no',
  'approx',
]);

export interface SentenceSplitOptions {
  /** A first clause this long may be spoken at a comma, to start talking sooner. */
  firstClauseMinChars?: number;
  /** Sentences longer than this are split at the last comma or space. */
  maxChars?: number;
}

/**
 * Cuts a stream of text (e.g. LLM tokens) into speakable sentences as soon as
 * each one ends. Abbreviations and decimals ("Dr.", "3.5") do not end sentences.
 */
export async function* splitSentences(
  text: string | AsyncIterable<string>,
  options: SentenceSplitOptions = {},
): AsyncGenerator<string> {
  const firstClause = options.firstClauseMinChars ?? 40;
  const maxChars = options.maxChars ?? 240;
  let buf = '';
  let emitted = 0;
  const source = typeof text === 'string' ? [text] : text;
  const take = (end: number): string => {
    const s = buf.slice(0, end).trim();
    buf = buf.slice(end);
    return s;
  };
  /** End of the first complete sentence in `buf`, or -1. */
  const sentenceEnd = (final: boolean): number => {
    for (let i = 0; i < buf.length; i++) {
      const ch = buf[i] as string;
      if (ch === '\n') return i + 1;
      if ('.!?…。！？'.includes(ch)) {
        const after = buf[i + 1];
        if (after === undefined && !final) return -1; // might be "3." of "3.5" or "..."
        if (after !== undefined && !/[\s"')\]]/.test(after)) continue;
        if (ch === '.') {
          const word = /([\p{L}.]+)$/u.exec(buf.slice(0, i))?.[1]?.toLowerCase() ?? '';
          if (ABBREVIATIONS.has(word) || /^\p{L}$/u.test(word)) continue;
        }
        let end = i + 1;
        while (end < buf.length && /["')\]]/.test(buf[end] as string)) end++;
        return end;
      }
    }
    return -1;
  };
  const nextBoundary = (final: boolean): number => {
    const end = sentenceEnd(final);
    if (emitted === 0) {
      // Start talking sooner: a long enough first clause goes on its own.
      const from = Math.floor(firstClause / 2);
      const rel = buf.slice(from).search(/[,;:]\s/);
      const comma = rel < 0 ? -1 : from + rel + 1;
      if (comma > 0 && (end < 0 ? buf.length >= firstClause : comma < end - 1)) return comma;
    }
    if (end > 0) return end;
    if (buf.length > maxChars) {
      const cut = Math.max(buf.lastIndexOf(', ', maxChars), buf.lastIndexOf(' ', maxChars));
      return cut > 0 ? cut + 1 : maxChars;
    }
    return -1;
  };
  for await (const piece of source) {
    buf += piece;
    for (let end = nextBoundary(false); end > 0; end = nextBoundary(false)) {
      const s = take(end);
      if (/\p{L}|\p{N}/u.test(s)) {
        emitted++;
        yield s;
      }
    }
  }
  for (let end = nextBoundary(true); end > 0; end = nextBoundary(true)) {
    const s = take(end);
    if (/\p{L}|\p{N}/u.test(s)) {
      emitted++;
      yield s;
    }
  }
  const rest = buf.trim();
  if (/\p{L}|\p{N}/u.test(rest)) yield rest;
}
