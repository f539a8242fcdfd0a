import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PcmChunk } from '../../core/media.js';
import { OpenAiStt } from '../../models/remote/openaiStt.js';
import type { Stt, SttResult } from '../../models/roles/stt.js';
import { WhisperStt } from '../../models/roles/whisperStt.js';
import { FakeStt } from '../../pipelines/testing/fakes/fakeStt.js';
import { LIBRIVOX_WAV, read16k } from '../helpers/audio.js';
import { closeSharedOpenAiServer, sharedOpenAiServer } from '../helpers/openAiServer.js';
import { tinyModelDir } from '../helpers/tinyModels.js';

/**
 * Whisper on a tiny-random model with the real export's contract (its words are noise), an
 * OpenAI-compatible server (a local one speaking the wire format), and the fake.
 */
const implementations: [string, () => Promise<Stt>][] = [
  ['whisper', () => WhisperStt.load(tinyModelDir('whisper'))],
  [
    'openai',
    async () => new OpenAiStt({ baseUrl: (await sharedOpenAiServer()).baseUrl, model: 'whisper-1' }),
  ],
  ['fake', async () => new FakeStt({ transcript: 'hello world' })],
];
afterAll(closeSharedOpenAiServer);

let speech: Int16Array;
beforeAll(() => {
  speech = Int16Array.from(read16k(LIBRIVOX_WAV).subarray(0, 2 * 16000), (v) => Math.round(v * 32767));
});
const at = (ptsMs: number, samples = speech, sampleRateHz = 16000): PcmChunk => ({
  samples,
  sampleRateHz,
  ptsMs,
});

function expectWithinSpan(r: SttResult, startMs: number, endMs: number): void {
  let last = startMs;
  for (const s of r.segments) {
    expect(s.startMs).toBeGreaterThanOrEqual(last);
    expect(s.endMs).toBeGreaterThanOrEqual(s.startMs);
    expect(s.endMs).toBeLessThanOrEqual(endMs);
    expect(s.text.trim()).not.toBe('');
    last = s.endMs;
  }
}

describe.each(implementations)('STT role contract: %s', (_name, load) => {
  let stt: Stt;
  beforeAll(async () => {
    stt = await load();
  });
  afterAll(() => stt.dispose());

  it('transcribes an utterance into ordered segments inside its span on the call timeline', async () => {
    const r = await stt.transcribe(at(7000));
    expect(r.text).not.toBe('');
    expect(r.segments.length).toBeGreaterThan(0);
    expectWithinSpan(r, 7000, 9000);
  });

  it('puts the same words at the same offset from the utterance start, wherever it sits on the timeline', async () => {
    const a = await stt.transcribe(at(0));
    const b = await stt.transcribe(at(42_000));
    expect(b.text).toBe(a.text);
    expect(b.segments.map((s) => [s.startMs - 42_000, s.endMs - 42_000, s.text])).toEqual(
      a.segments.map((s) => [s.startMs, s.endMs, s.text]),
    );
  });

  it('gives an empty result for empty audio', async () => {
    expect(await stt.transcribe(at(100, new Int16Array(0)))).toEqual({ text: '', segments: [] });
  });

  it('refuses audio at another rate and stops on abort', async () => {
    await expect(stt.transcribe(at(0, speech, 48000))).rejects.toMatchObject({ code: 'ERR_MODEL_INPUT' });
    const ac = new AbortController();
    ac.abort();
    await expect(stt.transcribe(at(0), { signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });
});
