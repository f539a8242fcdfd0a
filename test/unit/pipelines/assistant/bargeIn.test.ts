import { describe, expect, it } from 'vitest';
import type { ListenEvent } from '../../../../pipelines/listen/events.js';
import { finals, makeAssistant, type ScriptedEvent, spokenTurn } from './assistantHarness.js';

const ANSWER = 'The weather today is sunny. Tomorrow it will rain in the north. Then snow comes.';

const started = (atMs: number, ptsMs: number): ScriptedEvent => ({
  atMs,
  event: { type: 'speech-started', ptsMs, audioStartMs: ptsMs, atMs: 0 },
});
const stopped = (atMs: number, ptsMs: number): ScriptedEvent => ({
  atMs,
  event: { type: 'speech-stopped', ptsMs, atMs: 0 },
});
const words = (atMs: number, text: string, final: boolean, id = 'u2'): ScriptedEvent => ({
  atMs,
  event: {
    type: 'transcript',
    utteranceId: id,
    text,
    final,
    startMs: 4000,
    endMs: atMs,
    atMs: 0,
  } as ListenEvent,
});
const endOfTurn = (atMs: number, speechEndMs: number): ScriptedEvent => ({
  atMs,
  event: { type: 'end-of-turn', reason: 'silence', turnStartMs: 4000, speechEndMs, atMs: 0 },
});

/** The first exchange: the person asks at 1000–2000; the answer starts playing at 2600 + 50 ms. */
function setup(overlap: ScriptedEvent[]) {
  const h = makeAssistant({
    llm: { reply: (_m, i) => (i === 0 ? ANSWER : 'Sure.'), firstOutputDelayMs: 40, perItemDelayMs: 5 },
    tts: { firstOutputDelayMs: 5 },
    script: [...spokenTurn('u1', 'What is the weather?', 1000, 2000), ...overlap],
  });
  void h.assistant.listen(h.silence);
  return h;
}

describe('barge-in', () => {
  it('stops playback within one packet of the minimum speech and cuts the history to what was heard', async () => {
    // The person talks over the answer from 4000 (the VAD says so at 4250); words only at 4700.
    const h = setup([
      started(4250, 4000),
      words(4700, 'wait, stop', false),
      stopped(5200, 5000),
      endOfTurn(5500, 5000),
      words(5600, 'wait, stop', true),
    ]);
    await h.runUntil(9000);
    const interrupted = h.rec.states.find((s) => s.state === 'interrupted');
    expect(interrupted?.atMs).toBe(4500); // onset + bargeInMinSpeechMs
    const turn1 = h.output.packets.filter((p) => p.playbackId === 'fake-1');
    const last = turn1.at(-1)?.atMs ?? Number.NaN;
    expect(last).toBeLessThanOrEqual(4500);
    expect(last).toBeGreaterThan(4500 - 20);
    const [cut, next] = finals(h.rec);
    expect(cut).toMatchObject({ turnId: 'turn-1', interrupted: true });
    // 1350 ms for the first sentence, then 8/35 of the second's 1750 ms fits in what was played.
    expect(cut?.playedMs).toBeCloseTo(last + 20 - turn1[0]!.atMs, 6);
    expect(cut?.text).toBe('The weather today is sunny. Tomorrow');
    expect(next).toMatchObject({ turnId: 'turn-2', text: 'Sure.', interrupted: false });
    expect(h.assistant.history.entries.map((e) => [e.role, e.text])).toEqual([
      ['user', 'What is the weather?'],
      ['assistant', 'The weather today is sunny. Tomorrow'],
      ['user', 'wait, stop'],
      ['assistant', 'Sure.'],
    ]);
    expect(h.rec.states.map((s) => s.state)).toEqual([
      'user-speaking',
      'thinking',
      'thinking',
      'speaking',
      'interrupted',
      'user-speaking',
      'thinking',
      'thinking',
      'speaking',
      'listening',
    ]);
    // The second request's context holds the cut answer, never the planned rest.
    const second = JSON.stringify(h.llm.requests[1]?.messages);
    expect(second).toContain('The weather today is sunny. Tomorrow');
    expect(second).not.toContain('rain in the north');
    expect(h.rec.metrics.map((m) => m.interrupted)).toEqual([true, false]);
  });

  it('interrupts at once on words that are not a backchannel, before the minimum speech', async () => {
    const h = setup([started(4250, 4000), words(4300, 'no no, tell me about Paris', false)]);
    await h.runUntil(5000);
    const at = h.rec.states.find((s) => s.state === 'interrupted')?.atMs;
    expect(at).toBe(4300);
    expect(h.output.packets.filter((p) => p.playbackId === 'fake-1').at(-1)?.atMs).toBeGreaterThan(4280);
    expect(h.output.packets.filter((p) => p.playbackId === 'fake-1').at(-1)?.atMs).toBeLessThanOrEqual(4300);
  });

  it('a backchannel ("mhm") over the answer does not interrupt it, however long', async () => {
    const h = setup([
      started(4250, 4000),
      words(4400, 'mhm', false),
      stopped(5100, 4900),
      endOfTurn(5400, 4900),
      words(5500, 'Mhm.', true),
    ]);
    await h.runUntil(9000);
    expect(h.rec.states.map((s) => s.state)).not.toContain('interrupted');
    expect(finals(h.rec)).toMatchObject([{ text: ANSWER, interrupted: false }]);
    expect(h.llm.requests).toHaveLength(1);
    expect(h.assistant.history.entries.map((e) => e.role)).toEqual(['user', 'assistant']);
  });

  it('speech shorter than the minimum without words does not interrupt', async () => {
    const h = setup([started(4250, 4000), stopped(4450, 4300), endOfTurn(4800, 4300), words(4900, '', true)]);
    await h.runUntil(9000);
    expect(h.rec.states.map((s) => s.state)).not.toContain('interrupted');
    expect(finals(h.rec)).toMatchObject([{ text: ANSWER, interrupted: false }]);
  });

  it('a false interruption (no words within 2 s) resumes from the cut sentence, keeping the answer', async () => {
    const h = setup([started(4250, 4000), stopped(4900, 4700)]);
    await h.runUntil(12_000);
    const states = h.rec.states.map((s) => [s.state, s.atMs]);
    expect(states).toContainEqual(['interrupted', 4500]);
    expect(states).toContainEqual(['speaking', 6500]);
    expect(h.rec.states.at(-1)?.state).toBe('listening');
    // Resumed in the second sentence: it is said again from its start, on a second playback.
    const resumed = h.output.packets.filter((p) => p.playbackId === 'fake-2');
    expect(resumed[0]?.atMs).toBeGreaterThanOrEqual(6500);
    expect(h.tts.requests.map((r) => r.text)).toEqual([
      'The weather today is sunny.',
      'Tomorrow it will rain in the north.',
      'Tomorrow it will rain in the north.',
      'Then snow comes.',
    ]);
    expect(h.llm.requests).toHaveLength(1); // the answer was generated once
    expect(finals(h.rec)).toMatchObject([{ text: ANSWER, interrupted: false }]);
    expect(h.assistant.history.entries.at(-1)).toEqual({ role: 'assistant', text: ANSWER });
  });

  it('an empty final transcript after an interruption resumes at once', async () => {
    const h = setup([started(4250, 4000), stopped(4900, 4700), endOfTurn(5200, 4700), words(5300, '', true)]);
    await h.runUntil(12_000);
    expect(h.rec.states.map((s) => [s.state, s.atMs])).toContainEqual(['speaking', 5300]);
    expect(finals(h.rec)).toMatchObject([{ text: ANSWER, interrupted: false }]);
  });
});
