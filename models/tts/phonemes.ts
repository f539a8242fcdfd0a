import { phonemize } from './espeak.js';

/** Punctuation both Kokoro and Piper keep as symbols (espeak-ng drops it, so it is put back). */
const KEPT_PUNCTUATION = /([;:,.!?¡¿—…"«»“”()])/;

/**
 * espeak-ng IPA for a sentence with its punctuation kept: the text is split at
 * punctuation, each piece phonemized, and the marks re-inserted.
 */
export async function phonemizeKeepingPunctuation(
  text: string,
  voice: string,
  signal?: AbortSignal,
): Promise<string> {
  const parts = text.split(KEPT_PUNCTUATION);
  let out = '';
  for (const part of parts) {
    if (part === '') continue;
    if (KEPT_PUNCTUATION.test(part) && part.length === 1) out = `${out.trimEnd()}${part} `;
    else if (part.trim()) out += `${await phonemize(part, voice, signal)} `;
  }
  return out.trim();
}

/** Kokoro's own fixes to espeak-ng output (as kokoro.js applies them for American English). */
export function kokoroNormalize(ps: string): string {
  return ps
    .replace(/kəkˈoːɹoʊ/g, 'kˈoʊkəɹoʊ')
    .replace(/kəkˈɔːɹəʊ/g, 'kˈəʊkəɹəʊ')
    .replace(/ʲ/g, 'j')
    .replace(/r/g, 'ɹ')
    .replace(/x/g, 'k')
    .replace(/ɬ/g, 'l')
    .replace(/(?<=[a-zɹː])(?=hˈʌndɹɪd)/g, ' ')
    .replace(/ z(?=[;:,.!?¡¿—…"«»“” ]|$)/g, 'z')
    .replace(/(?<=nˈaɪn)ti(?!ː)/g, 'di');
}
