import wav from 'node-wav';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PcmChunk } from '../../core/media.js';
import { OpenAiStt } from '../../models/remote/openaiStt.js';
import { OpenAiTestServer } from '../helpers/openAiServer.js';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await OpenAiTestServer.start();
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
  server.transcriptions.length = 0;
});

const stt = (extra: Partial<ConstructorParameters<typeof OpenAiStt>[0]> = {}) =>
  new OpenAiStt({ baseUrl: server.baseUrl, model: 'whisper-1', ...extra });

/** `durationMs` of a ramp (every sample distinct enough to check the round trip) at `ptsMs`. */
function utterance(ptsMs: number, durationMs: number, sampleRateHz = 16000): PcmChunk {
  const n = Math.round((durationMs * sampleRateHz) / 1000);
  return {
    samples: Int16Array.from({ length: n }, (_, i) => ((i * 37) % 60000) - 30000),
    sampleRateHz,
    ptsMs,
  };
}

describe('OpenAiStt', () => {
  it('uploads the utterance as a 16-bit mono WAV with model and verbose_json, and reads its segments', async () => {
    const u = utterance(7_000, 2_000);
    const r = await stt().transcribe(u, { language: 'en' });
    const [req] = server.requestsTo('/audio/transcriptions');
    expect(req!.body).toMatchObject({ model: 'whisper-1', response_format: 'verbose_json', language: 'en' });
    expect(req!.file!.name).toBe('utterance.wav');
    expect(req!.file!.type).toBe('audio/wav');
    // Decoded by an independent WAV reader: the same rate and the same samples.
    const decoded = wav.decode(req!.file!.bytes);
    expect(decoded.sampleRate).toBe(16000);
    expect(decoded.channelData).toHaveLength(1);
    // node-wav scales negative samples by 1/32768 and positive ones by 1/32767.
    const back = Int16Array.from(decoded.channelData[0]!, (v) => Math.round(v < 0 ? v * 32768 : v * 32767));
    expect(back).toEqual(u.samples);
    // The server's offsets (0–1 s, 1–2 s) land on the call's timeline.
    expect(r).toEqual({
      text: 'Hello world.',
      segments: [
        { startMs: 7_000, endMs: 8_000, text: 'Hello' },
        { startMs: 8_000, endMs: 9_000, text: 'world.' },
      ],
    });
  });

  it("keeps the server's segments inside the utterance and in order, and drops empty ones", async () => {
    server.transcriptions.push({
      segments: [
        { start: 0.2, end: 0.9, text: ' one' },
        { start: 0.8, end: 1.0, text: '  ' },
        { start: 0.85, end: 1.4, text: ' two' },
        { start: 1.3, end: 2.3, text: ' three' },
      ],
    });
    const r = await stt().transcribe(utterance(1_000, 2_000));
    expect(r.segments).toEqual([
      { startMs: 1_200, endMs: 1_900, text: 'one' },
      { startMs: 1_900, endMs: 2_400, text: 'two' },
      { startMs: 2_400, endMs: 3_000, text: 'three' },
    ]);
  });

  it('makes one segment spanning the utterance from a server that answers plain json', async () => {
    server.transcriptions.push({ plainJson: true });
    const r = await stt().transcribe(utterance(500, 1_500));
    expect(r).toEqual({
      text: 'Hello world.',
      segments: [{ startMs: 500, endMs: 2_000, text: 'Hello world.' }],
    });
  });

  it('asks again for json when the server refuses verbose_json, and keeps asking for json after', async () => {
    const model = stt();
    server.transcriptions.push({ refuseVerbose: true }, { refuseVerbose: true });
    const r = await model.transcribe(utterance(0, 1_000));
    expect(r.segments).toEqual([{ startMs: 0, endMs: 1_000, text: 'Hello world.' }]);
    await model.transcribe(utterance(0, 1_000));
    expect(server.requestsTo('/audio/transcriptions').map((q) => q.body.response_format)).toEqual([
      'verbose_json',
      'json',
      'json',
    ]);
  });

  it('gives an empty result for empty audio without a request', async () => {
    expect(await stt().transcribe(utterance(100, 0))).toEqual({ text: '', segments: [] });
    expect(server.requests).toHaveLength(0);
  });

  it('refuses audio at another rate (ERR_MODEL_INPUT)', async () => {
    await expect(stt().transcribe(utterance(0, 500, 48000))).rejects.toMatchObject({
      code: 'ERR_MODEL_INPUT',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('HTTP 500 and 401: ERR_REMOTE_MODEL with the server and status, never the key', async () => {
    server.transcriptions.push({ status: 500 });
    await expect(stt().transcribe(utterance(0, 500))).rejects.toMatchObject({
      code: 'ERR_REMOTE_MODEL',
      message: expect.stringMatching(new RegExp(`STT server ${server.baseUrl} answered HTTP 500`)),
    });
    server.transcriptions.push({ status: 401 });
    const error = await stt({ apiKey: 'sk-stt-secret' })
      .transcribe(utterance(0, 500))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_REMOTE_MODEL', message: expect.stringContaining('HTTP 401') });
    expect((error as Error).message).not.toContain('sk-stt-secret');
    expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer sk-stt-secret');
  });

  it('stops on abort while the server works: ERR_ABORTED, without waiting for its answer', {
    timeout: 10_000,
  }, async () => {
    server.transcriptions.push({ headersDelayMs: 30_000 });
    const ac = new AbortController();
    const run = stt().transcribe(utterance(0, 500), { signal: ac.signal });
    await server.received(1);
    ac.abort();
    await expect(run).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });

  it('no answer within timeoutMs: ERR_REMOTE_MODEL', async () => {
    server.transcriptions.push({ headersDelayMs: 2_000 });
    await expect(stt({ timeoutMs: 100 }).transcribe(utterance(0, 500))).rejects.toMatchObject({
      code: 'ERR_REMOTE_MODEL',
      message: expect.stringContaining('did not answer in time'),
    });
  });
});
