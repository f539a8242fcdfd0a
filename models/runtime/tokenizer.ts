import { Tokenizer } from '@huggingface/tokenizers';
import { ModelError } from './errors.js';
import { readJsonFile } from './files.js';

/** Loads `tokenizer.json` (+ `tokenizer_config.json` when present) from a model directory. */
export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  const json = await readJsonFile(dir, 'tokenizer.json', { required: true });
  const config = await readJsonFile(dir, 'tokenizer_config.json');
  return new Tokenizer(json, config);
}

/** The id of a special token, read from the tokenizer (never a constant: `.en` and multilingual models differ). */
export function tokenId(tokenizer: Tokenizer, token: string): number {
  const id = tokenizer.token_to_id(token);
  if (id === undefined || id === null)
    throw new ModelError('ERR_MODEL_LOAD', `the tokenizer has no ${token} token`);
  return id;
}
