import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PcmChunk } from '../../core/media.js';
import { OpenAiTts } from '../../models/remote/openaiTts.js';
import { collect } from '../helpers/collect.js';
import { defaultSpeech, OpenAiTestServer } from '../helpers/openAiServer.js';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await OpenAiTestServer.start();
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
  server.speech.length = 0;
});

const tts = (extra: Partial<ConstructorParameters<typeof OpenAiTts>[0]> = {}) =>
  new OpenAiTts({ baseUrl: server.baseUrl, model: 'tts-1', voice: 'alloy', stallMs: 200, ...extra });
const TEXT = 'The door is open, come in.';
function joined(chunks: PcmChunk[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.samples.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c.samples, at);
    at += c.samples.length;
  }
  return out;
}

/** Asserts the same samples; on a difference, reports the first index that differs (cheap on long audio). */
function expectSameSamples(got: Int16Array, want: Int16Array): void {
  expect(got.length).toBe(want.length);
  const first = got.findIndex((v, i) => v !== want[i]);
  expect(first, `first differing sample: ${first}`).toBe(-1);
}

function expectContiguous(chunks: PcmChunk[], rateHz: number): void {
  let ptsMs = 0;
  for (const c of chunks) {
    expect(c.sampleRateHz).toBe(rateHz);
    expect(c.ptsMs).toBeCloseTo(ptsMs, 6);
    ptsMs += (c.samples.length * 1000) / c.sampleRateHz;
  }
}

describe('OpenAiTts', () => {
  it('asks for pcm with model, voice, input and speed, and hands out exactly the samples sent', async () => {
    const chunks = await collect(tts().synthesize(TEXT, { speed: 1.25 }));
    expect(server.requestsTo('/audio/speech')[0]!.body).toEqual({
      model: 'tts-1',
      voice: 'alloy',
      input: TEXT,
      response_format: 'pcm',
      speed: 1.25,
    });
    expectContiguous(chunks, 24000);
    expectSameSamples(joined(chunks), defaultSpeech(TEXT, 1.25, 24000));
  });

  it('hands out audio as the body arrives: the first piece while the server has not sent the rest', async () => {
    // One 100 ms piece, then nothing: without streaming, no audio would come out before the stall timeout.
    server.speech.push({ chunkSamples: 2400, stallAfterChunks: 1 });
    const ac = new AbortController();
    const it = tts({ stallMs: 600_000 }).synthesize(TEXT, { signal: ac.signal })[Symbol.asyncIterator]();
    const got: PcmChunk[] = [];
    while (joined(got).length < 2400) {
      const next = await it.next();
      expect(next.done).toBe(false);
      got.push(next.value as PcmChunk);
    }
    expectSameSamples(joined(got), defaultSpeech(TEXT, 1, 24000).subarray(0, 2400));
    ac.abort();
    await expect(it.next()).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });

  it('puts samples split across body pieces at odd byte boundaries back together', async () => {
    server.speech.push({ chunkSamples: 777.5 });
    const chunks = await collect(tts().synthesize(TEXT));
    expectContiguous(chunks, 24000);
    expectSameSamples(joined(chunks), defaultSpeech(TEXT, 1, 24000));
  });

  it('cuts a body that arrives in one piece into pieces of at most 200 ms', async () => {
    server.speech.push({ chunkSamples: 1_000_000 });
    const chunks = await collect(tts().synthesize(TEXT));
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(c.samples.length).toBeLessThanOrEqual(4800);
    expectSameSamples(joined(chunks), defaultSpeech(TEXT, 1, 24000));
  });

  it('reads a WAV answer from a server that ignores pcm (header parsed, not played as noise)', async () => {
    server.speech.push({ wav: true, chunkSamples: 1000 });
    const chunks = await collect(tts().synthesize(TEXT));
    expectContiguous(chunks, 24000);
    expectSameSamples(joined(chunks), defaultSpeech(TEXT, 1, 24000));
  });

  it('recognises WAV by its RIFF header under a generic content type, sent in 7-byte pieces, LIST chunk and all', async () => {
    server.speech.push({
      wav: true,
      wavListChunk: true,
      contentType: 'application/octet-stream',
      chunkSamples: 3.5,
      chunkDelayMs: 0,
    });
    const chunks = await collect(tts({ stallMs: 5_000 }).synthesize('Hi.'));
    expectContiguous(chunks, 24000);
    expectSameSamples(joined(chunks), defaultSpeech('Hi.', 1, 24000));
  });

  it('refuses a WAV answer at another rate than its own, naming both', async () => {
    server.speech.push({ wav: true, wavRateHz: 22050 });
    await expect(collect(tts().synthesize(TEXT))).rejects.toMatchObject({
      code: 'ERR_REMOTE_MODEL',
      message: expect.stringMatching(/22050 Hz WAV.*24000 Hz/),
    });
  });

  it('takes a configured rate for a server whose pcm is not 24 kHz', async () => {
    server.speech.push({ wav: true, wavRateHz: 22050 });
    const model = tts({ sampleRateHz: 22050 });
    expect(model.sampleRateHz).toBe(22050);
    const chunks = await collect(model.synthesize(TEXT));
    expectContiguous(chunks, 22050);
    expectSameSamples(joined(chunks), defaultSpeech(TEXT, 1, 22050));
  });

  it('yields nothing for text with no letters or digits, without a request', async () => {
    expect(await collect(tts().synthesize(' … ?! '))).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('a voice given per text wins over the default one', async () => {
    await collect(tts().synthesize('Hi.', { voice: 'nova' }));
    expect(server.requests.at(-1)!.body.voice).toBe('nova');
  });

  it('HTTP 500: ERR_REMOTE_MODEL naming the server and the status', async () => {
    server.speech.push({ status: 500 });
    await expect(collect(tts().synthesize(TEXT))).rejects.toMatchObject({
      code: 'ERR_REMOTE_MODEL',
      message: expect.stringContaining(`TTS server ${server.baseUrl} answered HTTP 500`),
    });
  });

  it('a body that stalls longer than stallMs: the audio before it, then ERR_REMOTE_MODEL', async () => {
    server.speech.push({ chunkSamples: 2400, stallAfterChunks: 2 });
    const got: PcmChunk[] = [];
    const run = (async () => {
      for await (const c of tts().synthesize(TEXT)) got.push(c);
    })();
    await expect(run).rejects.toMatchObject({
      code: 'ERR_REMOTE_MODEL',
      message: expect.stringContaining('stopped sending audio for 200 ms'),
    });
    expect(joined(got).length).toBe(4800);
  });

  it('a consumer that holds a chunk longer than stallMs (playback pacing) is not a stalled server', async () => {
    server.speech.push({ chunkSamples: 4800 });
    let n = 0;
    for await (const _chunk of tts({ stallMs: 200 }).synthesize('Hello there.')) {
      n++;
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(n).toBeGreaterThan(1);
  });

  it('stops mid-stream on abort while waiting for the body: ERR_ABORTED, long before a stall', async () => {
    server.speech.push({ chunkSamples: 2400, stallAfterChunks: 1 });
    const ac = new AbortController();
    const it = tts({ stallMs: 600_000 }).synthesize(TEXT, { signal: ac.signal })[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    const pending = it.next();
    setTimeout(() => ac.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });
});
