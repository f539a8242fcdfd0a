import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { phonemize } from '../../../../models/tts/espeak.js';
import { KokoroTts } from '../../../../models/tts/kokoro.js';
import { kokoroNormalize, phonemizeKeepingPunctuation } from '../../../../models/tts/phonemes.js';
import { PiperTts } from '../../../../models/tts/piper.js';
import { tinyModelDir } from '../../../helpers/tinyModels.js';

describe('phonemes and ids', () => {
  it('gets IPA from espeak-ng and keeps punctuation', async () => {
    expect(await phonemize('Hello there')).toBe('həlˈoʊ ðˈɛɹ');
    expect(await phonemizeKeepingPunctuation('Hello, there!', 'en-us')).toBe('həlˈoʊ, ðˈɛɹ!');
    expect(kokoroNormalize('ɹˈɛd kəkˈoːɹoʊ')).toBe('ɹˈɛd kˈoʊkəɹoʊ');
  });

  it('pads Kokoro ids with 0 at both ends through the tokenizer template', async () => {
    const k = await KokoroTts.load(tinyModelDir('kokoro'));
    const ids = k.ids('ab');
    expect(ids[0]).toBe(0);
    expect(ids.at(-1)).toBe(0);
    expect(ids).toHaveLength(4);
    await k.dispose();
  });

  it('writes Piper ids as ^, each phoneme followed by _, then $', async () => {
    const p = await PiperTts.load(join(tinyModelDir('piper'), 'en_US-tiny-medium.onnx'));
    const pad = 0;
    expect(p.ids('ab')).toEqual([1, pad, expect.any(Number), pad, expect.any(Number), pad, 2]);
    await p.dispose();
  });
});
