/** GPT-2's byte → printable-unicode table, which byte-level BPE vocabularies are written in. */
export function bytesToUnicode(): Map<number, string> {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return new Map(bs.map((b, i) => [b, String.fromCodePoint(cs[i] as number)]));
}

const MERGES: [string, string][] = [
  ['Ġ', 't'],
  ['h', 'e'],
  ['Ġt', 'he'],
  ['i', 'n'],
  ['Ġ', 'a'],
  ['e', 'r'],
  ['o', 'u'],
];

/**
 * A byte-level BPE `tokenizer.json` in the Hugging Face layout: 256 byte tokens,
 * a few merges (`options.merges` of them, default all), then `specials` as added
 * tokens with consecutive ids.
 */

/** A tokenizer.json `added_tokens` entry for a special token, as Hugging Face writes them. */
export function specialToken(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

export function byteLevelBpeTokenizer(
  specials: string[],
  options: { merges?: number } = {},
): {
  json: Record<string, unknown>;
  ids: Map<string, number>;
} {
  const merges = MERGES.slice(0, options.merges ?? MERGES.length);
  const vocab: Record<string, number> = {};
  let next = 0;
  for (const ch of bytesToUnicode().values()) vocab[ch] = next++;
  for (const [a, b] of merges) vocab[a + b] = next++;
  const ids = new Map<string, number>();
  const added = specials.map((content) => {
    const id = next++;
    ids.set(content, id);
    return specialToken(id, content);
  });
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  return { json, ids };
}
