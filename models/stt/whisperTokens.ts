import type { Tokenizer } from '@huggingface/tokenizers';
import { tokenId } from '../runtime/tokenizer.js';

/** Whisper's special token ids, read from the model's own tokenizer. */
export interface WhisperTokenIds {
  sot: number;
  eot: number;
  transcribe: number;
  translate: number;
  noTimestamps: number;
  /** `<|0.00|>`; every id from here up is a timestamp in 20 ms steps. */
  timestampBegin: number;
  languages: Map<string, number>;
}

/** Timestamp tokens are 20 ms apart. */
export const TIMESTAMP_STEP_MS = 20;

/**
 * Reads the special ids from the model's tokenizer (`.en` and multilingual
 * vocabularies differ: 50257 vs 50258 for `<|startoftranscript|>`).
 * `languages` maps codes to ids (generation_config's `lang_to_id`); without it,
 * `codes` are looked up in the tokenizer. Where the tokenizer does not list
 * `<|0.00|>`, it is `<|notimestamps|>` + 1, as in the reference decoders.
 */
export function whisperTokenIds(
  tokenizer: Tokenizer,
  languages: { langToId?: Record<string, unknown>; codes: readonly string[] },
): WhisperTokenIds {
  const langs = new Map<string, number>();
  if (languages.langToId) {
    for (const [token, id] of Object.entries(languages.langToId)) {
      const code = /^<\|(.+)\|>$/.exec(token)?.[1];
      if (code !== undefined && typeof id === 'number') langs.set(code, id);
    }
  } else {
    for (const l of languages.codes) {
      const id = tokenizer.token_to_id(`<|${l}|>`);
      if (id !== undefined) langs.set(l, id);
    }
  }
  const noTimestamps = tokenId(tokenizer, '<|notimestamps|>');
  return {
    sot: tokenId(tokenizer, '<|startoftranscript|>'),
    eot: tokenId(tokenizer, '<|endoftext|>'),
    transcribe: tokenId(tokenizer, '<|transcribe|>'),
    translate: tokenId(tokenizer, '<|translate|>'),
    noTimestamps,
    timestampBegin: tokenizer.token_to_id('<|0.00|>') ?? noTimestamps + 1,
    languages: langs,
  };
}
