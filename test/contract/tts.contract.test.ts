import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import type { PcmChunk } from '../../core/media.js';
import { OpenAiTts } from '../../models/remote/openaiTts.js';
import type { Tts } from '../../models/roles/tts.js';
import { EspeakTts } from '../../models/tts/espeak.js';
import { KokoroTts } from '../../models/tts/kokoro.js';
import { PiperTts } from '../../models/tts/piper.js';
import { MemoryMetrics } from '../../pipelines/core/metrics.js';
import type { StageContext } from '../../pipelines/core/stage.js';
import { type SpokenChunk, speaker } from '../../pipelines/speak/speaker.js';
import { FakeTts } from '../../pipelines/testing/fakes/fakeTts.js';
import { collect } from '../helpers/collect.js';
import { closeSharedOpenAiServer, sharedOpenAiServer } from '../helpers/openAiServer.js';
import { tinyModelDir } from '../helpers/tinyModels.js';

/**
 * Every TTS passes the same suite: espeak-ng for real, Kokoro and Piper on tiny-random models, an
 * OpenAI-compatible server (a local one speaking the wire format), and the fake.
 */
const implementations: [string, () => Promise<Tts>][] = [
  ['espeak-ng', async () => new EspeakTts()],
  ['kokoro', () => KokoroTts.load(tinyModelDir('kokoro'))],
  ['piper', () => PiperTts.load(join(tinyModelDir('piper'), 'en_US-tiny-medium.onnx'))],
  [
    'openai',
    async () =>
      new OpenAiTts({ baseUrl: (await sharedOpenAiServer()).baseUrl, model: 'tts-1', voice: 'alloy' }),
  ],
  ['fake', async () => new FakeTts()],
];
afterAll(closeSharedOpenAiServer);

const SENTENCE = 'The quick brown fox jumps over the lazy dog, and then it runs far away into the woods.';

const samples = (chunks: PcmChunk[]) => chunks.reduce((n, c) => n + c.samples.length, 0);
const rms = (pcm: Int16Array) => Math.sqrt(pcm.reduce((a, v) => a + v * v, 0) / Math.max(1, pcm.length));

describe.each(implementations)('TTS role contract: %s', (_name, load) => {
  let tts: Tts;
  beforeAll(async () => {
    tts = await load();
  });
  afterAll(() => tts.dispose());

  it('speaks one text as audible chunks at its native rate, ptsMs contiguous from 0', async () => {
    const chunks = await collect(tts.synthesize(SENTENCE));
    expect(chunks.length).toBeGreaterThan(1);
    let expectedPtsMs = 0;
    for (const c of chunks) {
      expect(c.sampleRateHz).toBe(tts.sampleRateHz);
      expect(c.samples).toBeInstanceOf(Int16Array);
      expect(c.ptsMs).toBeCloseTo(expectedPtsMs, 6);
      expectedPtsMs += (c.samples.length * 1000) / c.sampleRateHz;
    }
    expect(expectedPtsMs).toBeGreaterThan(500);
    const whole = Int16Array.from(chunks.flatMap((c) => Array.from(c.samples)));
    expect(rms(whole)).toBeGreaterThan(200);
  });

  it('gives the same audio for the same text', async () => {
    const a = await collect(tts.synthesize('Is that right?'));
    const b = await collect(tts.synthesize('Is that right?'));
    expect(samples(b)).toBe(samples(a));
  });

  it('speaks faster with a higher speed', async () => {
    const normal = samples(await collect(tts.synthesize(SENTENCE)));
    const fast = samples(await collect(tts.synthesize(SENTENCE, { speed: 1.5 })));
    expect(fast).toBeLessThan(normal * 0.85);
  });

  it('yields nothing for text with nothing to say', async () => {
    expect(await collect(tts.synthesize('   '))).toEqual([]);
    expect(await collect(tts.synthesize(' … ?! '))).toEqual([]);
  });

  it('rejects with ERR_ABORTED when aborted before it starts', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(collect(tts.synthesize(SENTENCE, { signal: ac.signal }))).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
  });

  it('stops mid-stream on abort: ERR_ABORTED and no chunk after it', async () => {
    const ac = new AbortController();
    const got: PcmChunk[] = [];
    const run = (async () => {
      for await (const c of tts.synthesize(SENTENCE, { signal: ac.signal })) {
        got.push(c);
        ac.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(got).toHaveLength(1);
  });

  it('stops on abort while synthesis is in flight, before any audio', async () => {
    const ac = new AbortController();
    const it = tts.synthesize(SENTENCE, { signal: ac.signal })[Symbol.asyncIterator]();
    const first = it.next();
    ac.abort();
    await expect(first).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });
});

describe.each(implementations)('the speak stage on %s', (_name, load) => {
  let tts: Tts;
  beforeAll(async () => {
    tts = await load();
  });
  afterAll(() => tts.dispose());

  const context = (): StageContext => ({
    signal: new AbortController().signal,
    clock: systemClock,
    log: silentLogger,
    metrics: new MemoryMetrics(),
  });

  it('speaks the first sentence before the rest of the text exists', async () => {
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
    for await (const c of speaker({ tts })(tokens(), context())) {
      if (events.at(-1) !== `audio: ${c.text}`) events.push(`audio: ${c.text}`);
      release();
    }
    // Without streaming this would never finish: more text only comes after the first audio.
    expect(events).toEqual([
      'audio: Hello there, Dr. Smith.',
      'waiting for more text',
      'more text',
      'audio: Bye now.',
    ]);
  });

  it('speaks each sentence once, in order, on one contiguous timeline at the TTS rate', async () => {
    async function* tokens() {
      for (const w of 'Hello there, Dr. Smith. The door opens at 3.5 seconds! Is that right?'.split(/(?<= )/))
        yield w;
    }
    const out: SpokenChunk[] = [];
    for await (const c of speaker({ tts })(tokens(), context())) out.push(c);
    expect([...new Set(out.map((c) => c.text))]).toEqual([
      'Hello there, Dr. Smith.',
      'The door opens at 3.5 seconds!',
      'Is that right?',
    ]);
    expect([...new Set(out.map((c) => c.sentenceIndex))]).toEqual([0, 1, 2]);
    let expectedPtsMs = 0;
    for (const c of out) {
      expect(c.sampleRateHz).toBe(tts.sampleRateHz);
      expect(c.ptsMs).toBeCloseTo(expectedPtsMs, 6);
      expectedPtsMs += (c.samples.length * 1000) / c.sampleRateHz;
    }
  });
});
