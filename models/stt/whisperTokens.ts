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

export const TIMESTAMP_STEP_MS = 20;

export function whisperTokenIds(tokenizer: Tokenizer, languages: string[]): WhisperTokenIds {
  const langs = new Map<string, number>();
  for (const l of languages) {
    const id = tokenizer.token_to_id(`<|${l}|>`);
    if (id !== undefined) langs.set(l, id);
  }
  return {
    sot: tokenId(tokenizer, '<|startoftranscript|>'),
    eot: tokenId(tokenizer, '<|endoftext|>'),
    transcribe: tokenId(tokenizer, '<|transcribe|>'),
    translate: tokenId(tokenizer, '<|translate|>'),
    noTimestamps: tokenId(tokenizer, '<|notimestamps|>'),
    timestampBegin: tokenId(tokenizer, '<|0.00|>'),
    languages: langs,
  };
}
