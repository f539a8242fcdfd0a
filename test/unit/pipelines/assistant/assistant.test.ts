import { describe, expect, it } from 'vitest';
import { finals, makeAssistant, spokenTurn } from './assistantHarness.js';

const ANSWER = 'Hello there. How are you today?';

describe('Assistant: one spoken exchange', () => {
  it('goes listening → user-speaking → thinking → speaking → listening and answers in full', async () => {
    const h = makeAssistant({
      llm: { reply: ANSWER, firstOutputDelayMs: 40, perItemDelayMs: 5 },
      tts: { firstOutputDelayMs: 30 },
      script: spokenTurn('u1', 'Hi, who are you?', 1000, 2000),
    });
    void h.assistant.listen(h.silence);
    await h.runUntil(6000);
    expect(h.rec.states.map((s) => s.state)).toEqual([
      'user-speaking',
      'thinking',
      'thinking',
      'speaking',
      'listening',
    ]);
    expect(h.rec.states.map((s) => s.atMs).slice(0, 2)).toEqual([1250, 2500]);
    const [last] = finals(h.rec);
    expect(last).toMatchObject({ text: ANSWER, final: true, interrupted: false });
    expect(last?.playedMs).toBeCloseTo(1500, 6);
    expect(h.assistant.history.entries).toEqual([
      { role: 'user', text: 'Hi, who are you?' },
      { role: 'assistant', text: ANSWER },
    ]);
  });

  it('reports the turn on one clock: voice-to-voice = first packet − speech end', async () => {
    const h = makeAssistant({
      llm: { reply: ANSWER, firstOutputDelayMs: 40, perItemDelayMs: 5 },
      tts: { firstOutputDelayMs: 30 },
      script: spokenTurn('u1', 'Hi, who are you?', 1000, 2000, { eotAfterMs: 500, sttMs: 100 }),
      options: { callStartMs: 0 },
    });
    void h.assistant.listen(h.silence);
    await h.runUntil(6000);
    const [m] = h.rec.metrics;
    const firstPacketAtMs = h.output.packets[0]?.atMs ?? Number.NaN;
    // LLM: 40 ms to "Hello", 5 ms per word to "there." (the sentence ends), TTS 30 ms.
    // "there." ends the sentence only once the next word shows it is no "3." of "3.5" (5 ms more).
    expect(firstPacketAtMs).toBe(2600 + 40 + 5 + 5 + 30);
    expect(m).toMatchObject({
      type: 'turn',
      trigger: 'speech',
      endOfTurnDelayMs: 500,
      sttLatencyMs: 100,
      llmTtftMs: 40,
      ttsTtfbMs: 30,
      voiceToVoiceMs: firstPacketAtMs - 2000,
      interrupted: false,
      tokensOut: 6,
    });
    expect(m?.tokensIn).toBeGreaterThan(10);
    const llm = h.metrics.ofType('llm');
    expect(llm.map((x) => [x.ttftMs, x.completionTokens, x.cancelled])).toEqual([[40, 6, false]]);
  });

  it('emits the text as it is heard, sentence by sentence, ending with the whole answer', async () => {
    const h = makeAssistant({ llm: { reply: ANSWER }, script: spokenTurn('u1', 'Hi', 1000, 2000) });
    void h.assistant.listen(h.silence);
    await h.runUntil(6000);
    // Word by word: the first sentence once its audio length is known (the sink reads 200 ms
    // ahead), the next at the first one's pace.
    expect(h.rec.replies.map((r) => [r.text, r.final])).toEqual([
      ['Hello', false],
      ['Hello there.', false],
      ['Hello there. How', false],
      ['Hello there. How are', false],
      ['Hello there. How are you', false],
      [ANSWER, false],
      [ANSWER, true],
    ]);
    const played = h.rec.replies.map((r) => r.playedMs);
    expect([...played].sort((a, b) => a - b)).toEqual(played);
  });
});

describe('a reply that played to the end', () => {
  it('is heard whole even when the sink reports a few ms less than the audio (resampling)', async () => {
    const answer = 'Supercalifragilisticexpialidocious-and-more';
    const h = makeAssistant({ llm: { reply: answer }, script: spokenTurn('u1', 'Hi', 1000, 2000) });
    // The sink's count of a completed playback falls 3 ms short of what the TTS made.
    const inner = h.output.play.bind(h.output);
    h.output.play = (source, options) => {
      const p = inner(source, options);
      return {
        id: p.id,
        get playedMs() {
          return p.playedMs;
        },
        get firstPacketAtMs() {
          return p.firstPacketAtMs;
        },
        cancel: () => p.cancel(),
        done: p.done.then((r) => (r.completed ? { ...r, playedMs: r.playedMs - 3 } : r)),
      };
    };
    void h.assistant.listen(h.silence);
    await h.runUntil(8000);
    const final = h.rec.replies.find((r) => r.final);
    expect(final).toMatchObject({ text: answer, interrupted: false });
  });
});
