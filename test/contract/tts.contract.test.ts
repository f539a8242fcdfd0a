import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EspeakTts } from '../../models/tts/espeak.js';
import { KokoroTts } from '../../models/tts/kokoro.js';
import { PiperTts } from '../../models/tts/piper.js';
import type { Tts, TtsChunk } from '../../models/tts/types.js';
import { tinyModelDir } from '../tiny/index.js';

/** Every TTS implementation passes the same suite: espeak-ng for real, Kokoro and Piper on tiny-random models. */
const implementations: [string, () => Promise<Tts>][] = [
  ['espeak-ng', async () => new EspeakTts()],
  ['kokoro', () => KokoroTts.load(tinyModelDir('kokoro'))],
  ['piper', () => PiperTts.load(join(tinyModelDir('piper'), 'en_US-tiny-medium.onnx'))],
];

const TEXT = 'Hello there, Dr. Smith. The door opens at 3.5 seconds! Is that right?';
const SENTENCES = ['Hello there, Dr. Smith.', 'The door opens at 3.5 seconds!', 'Is that right?'];

async function all(it: AsyncIterable<TtsChunk>): Promise<TtsChunk[]> {
  const out: TtsChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

const rms = (pcm: Int16Array) => Math.sqrt(pcm.reduce((a, v) => a + v * v, 0) / Math.max(1, pcm.length));

describe.each(implementations)('TTS contract: %s', (_name, load) => {
  let tts: Tts;
  beforeAll(async () => {
    tts = await load();
  });
  afterAll(() => tts.dispose());

  it('yields one audible chunk per sentence, in order, at its sample rate', async () => {
    const chunks = await all(tts.synthesize(TEXT));
    expect(chunks.map((c) => c.text)).toEqual(SENTENCES);
    for (const c of chunks) {
      expect(c.sampleRateHz).toBe(tts.sampleRateHz);
      expect(c.pcm.length).toBeGreaterThan(c.sampleRateHz * 0.1);
      expect(rms(c.pcm)).toBeGreaterThan(200);
    }
  });

  it('speaks the first sentence before the rest of the text has arrived', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const events: string[] = [];
    async function* tokens() {
      for (const t of ['Hello ', 'there', ', Dr. ', 'Smith. ']) yield t;
      events.push('waiting for more text');
      await gate;
      events.push('more text');
      yield 'Bye now.';
    }
    for await (const c of tts.synthesize(tokens())) {
      events.push(`audio: ${c.text}`);
      release();
    }
    // Without streaming this would never finish: more text only comes after the first audio.
    expect(events.indexOf('audio: Hello there, Dr. Smith.')).toBeLessThan(events.indexOf('more text'));
    expect(events.at(-1)).toBe('audio: Bye now.');
  });

  it('gives the same audio for streamed tokens as for the whole text', async () => {
    async function* tokens() {
      for (const w of TEXT.split(/(?<= )/)) yield w;
    }
    const a = await all(tts.synthesize(TEXT));
    const b = await all(tts.synthesize(tokens()));
    expect(b.map((c) => c.text)).toEqual(a.map((c) => c.text));
    expect(b.map((c) => c.pcm.length)).toEqual(a.map((c) => c.pcm.length));
  });

  it('speaks faster with a higher speed', async () => {
    const [normal] = await all(tts.synthesize('The quick brown fox jumps over the lazy dog.'));
    const [fast] = await all(tts.synthesize('The quick brown fox jumps over the lazy dog.', { speed: 1.5 }));
    expect((fast as TtsChunk).pcm.length).toBeLessThan((normal as TtsChunk).pcm.length * 0.85);
  });

  it('yields nothing for empty text and stops on abort', async () => {
    expect(await all(tts.synthesize('   '))).toEqual([]);
    const ac = new AbortController();
    ac.abort();
    await expect(all(tts.synthesize(TEXT, { signal: ac.signal }))).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
  });
});
