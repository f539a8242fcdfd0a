import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../../core/clock.js';
import type { AudioFrame, PcmChunk } from '../../../../core/media.js';
import { sleep } from '../../../../pipelines/core/sleep.js';
import type { Stage } from '../../../../pipelines/core/stage.js';
import type { EchoGuard, ListenEvent } from '../../../../pipelines/listen/events.js';
import type { FakeAudioOutput } from '../../../../pipelines/testing/fakes/fakeAudioOutput.js';
import { finals, makeAssistant, spokenTurn } from './assistantHarness.js';

const ANSWER = 'The weather today is sunny. Tomorrow it will rain in the north. Then snow comes.';

describe('typed messages and still images', () => {
  it('sendText during a reply interrupts it (cut to what was heard) and answers the text', async () => {
    const h = makeAssistant({
      llm: { reply: (_m, i) => (i === 0 ? ANSWER : 'Why did the chicken cross the road?') },
      script: spokenTurn('u1', 'Weather?', 1000, 2000),
    });
    void h.assistant.listen(h.silence);
    await h.runUntil(3500);
    const { turnId } = h.assistant.sendText('Tell me a joke instead.');
    expect(turnId).toBe('turn-2');
    expect(h.rec.states.at(-1)).toMatchObject({ state: 'thinking', turnId: 'turn-2', atMs: 3500 });
    await h.runUntil(9000);
    const [cut, joke] = finals(h.rec);
    // About 900 ms of the first sentence were played: its length is not known yet, so words are
    // counted at a slow pace (80 ms a character).
    expect(cut).toMatchObject({ turnId: 'turn-1', interrupted: true, text: 'The weather' });
    expect(joke).toMatchObject({ turnId: 'turn-2', interrupted: false });
    expect(h.output.packets.filter((p) => p.playbackId === 'fake-1').at(-1)?.atMs).toBeLessThanOrEqual(3500);
    expect(h.assistant.history.entries.map((e) => e.text)).toEqual([
      'Weather?',
      'The weather',
      'Tell me a joke instead.',
      'Why did the chicken cross the road?',
    ]);
    const m = h.rec.metrics[1];
    expect(m).toMatchObject({ trigger: 'text', endOfTurnDelayMs: null, sttLatencyMs: null });
    expect(m?.voiceToVoiceMs).toBe((h.output.playbacks[1]?.firstPacketAtMs ?? Number.NaN) - 3500);
  });

  it('sendImage adds the full-resolution image to the turn and asks the default question', async () => {
    const h = makeAssistant({ llm: { reply: 'A red square.' } });
    const image = { rgb: new Uint8Array(2048 * 1536 * 3), width: 2048, height: 1536 };
    h.assistant.sendImage(image);
    await h.runUntil(3000);
    const user = h.llm.requests[0]?.messages.at(-1);
    expect(user?.role).toBe('user');
    expect(user?.content.map((p) => p.type)).toEqual(['image', 'text']);
    expect(user?.content[0]).toMatchObject({ type: 'image', image: { width: 2048, height: 1536 } });
    expect(user?.content[1]).toEqual({ type: 'text', text: 'Describe this image.' });
    expect(h.rec.metrics[0]?.trigger).toBe('image');
    // A follow-up still sees the image (the newest one stays in context).
    h.assistant.sendText('What colour was it?');
    await h.runUntil(6000);
    const follow = h.llm.requests[1]?.messages ?? [];
    expect(follow.filter((m) => m.content.some((p) => p.type === 'image'))).toHaveLength(1);
  });
});

/**
 * A scripted echo guard: the microphone hears the assistant's audio 120 ms after it was sent.
 * It flags a frame as echo when a noted chunk covers `receivedAtMs − 120` (± one frame).
 */
class ScriptedEcho implements EchoGuard {
  readonly sent: { fromMs: number; toMs: number }[] = [];
  noteSent(chunk: PcmChunk, sentAtMs: number): void {
    this.sent.push({ fromMs: sentAtMs, toMs: sentAtMs + (chunk.samples.length * 1000) / chunk.sampleRateHz });
  }
  process(frame: AudioFrame) {
    const t = frame.receivedAtMs - 120;
    const echoLikely = this.sent.some((s) => t >= s.fromMs - 20 && t <= s.toMs + 20);
    return { frame, echoLikely };
  }
}

/** A listen lane on audio: speech = loud frames not flagged as echo, 250 ms of them to start. */
function energyListen(echo: EchoGuard | null): Stage<AudioFrame, ListenEvent> {
  return async function* (audio) {
    let run = 0;
    let speaking = false;
    for await (const input of audio) {
      const { frame, echoLikely } = echo ? echo.process(input) : { frame: input, echoLikely: false };
      const loud = frame.samples.some((s) => Math.abs(s) > 1000) && !echoLikely;
      run = loud ? run + frame.durationMs : 0;
      if (!speaking && run >= 250) {
        speaking = true;
        const ptsMs = frame.ptsMs + frame.durationMs - run;
        yield { type: 'speech-started', ptsMs, audioStartMs: ptsMs, atMs: frame.receivedAtMs };
      }
    }
  };
}

/** The caller's microphone: the assistant's packets come back 120 ms later, attenuated, with noise. */
function loopbackMic(
  clock: ManualClock,
  output: FakeAudioOutput,
  untilMs: number,
): AsyncIterable<AudioFrame> {
  return (async function* () {
    let seed = 7;
    for (let t = 0; t < untilMs; t += 20) {
      if (t > clock.nowMs()) await sleep(clock, t - clock.nowMs());
      const heard = output.packets.some((p) => p.atMs <= t - 120 && t - 120 < p.atMs + p.durationMs);
      const samples = Int16Array.from({ length: 320 }, (_, i) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const noise = (seed % 200) - 100;
        return (heard ? Math.round(3000 * Math.sin(i / 3)) : 0) + noise;
      });
      yield {
        samples,
        sampleRateHz: 16000,
        ptsMs: t,
        durationMs: 20,
        filledSamples: 0,
        receivedAtMs: t,
        reanchored: false,
      };
    }
  })();
}

describe('echo', () => {
  const run = async (withGuard: boolean) => {
    const echo = withGuard ? new ScriptedEcho() : null;
    const h = makeAssistant({
      llm: { reply: ANSWER },
      lanes: () => ({ echo, listen: energyListen(echo) }),
    });
    void h.assistant.listen(loopbackMic(h.clock, h.output, 8000));
    h.assistant.sendText('Weather?');
    await h.runUntil(8000);
    return { h, echo };
  };

  it("the assistant's own voice fed back does not interrupt it (the guard is told what was sent, when)", async () => {
    const { h, echo } = await run(true);
    expect(h.rec.states.map((s) => s.state)).not.toContain('interrupted');
    expect(finals(h.rec)).toMatchObject([{ text: ANSWER, interrupted: false }]);
    // Every packet sent was noted, at its send time.
    const first = h.output.packets[0]?.atMs ?? Number.NaN;
    expect(echo?.sent[0]?.fromMs).toBe(first);
    const notedMs = echo?.sent.reduce((n, s) => n + s.toMs - s.fromMs, 0) ?? 0;
    expect(notedMs).toBeCloseTo(finals(h.rec)[0]?.playedMs ?? 0, 6);
  });

  it('without a guard the same feedback would interrupt (the test can fail)', async () => {
    const { h } = await run(false);
    expect(h.rec.states.map((s) => s.state)).toContain('interrupted');
  });
});
