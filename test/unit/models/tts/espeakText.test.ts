import { describe, expect, it } from 'vitest';
import { phonemize, speakableText } from '../../../../models/tts/espeak.js';

describe('speakableText', () => {
  it('turns control characters (NUL included) into spaces and keeps the rest', () => {
    expect(speakableText('a\u0000b\u0007c\nd\te')).toBe('a b c\nd\te');
    expect(speakableText('héllo — 5 €')).toBe('héllo — 5 €');
  });

  it('lets espeak-ng phonemize text a model wrote with NUL bytes in it', async () => {
    await expect(phonemize('hello\u0000world')).resolves.toMatch(/\S/);
  });
});
