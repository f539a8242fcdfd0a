import { describe, expect, it } from 'vitest';
import { PushToTalk } from '../../../../pipelines/listen/pushToTalk.js';
import { finals, makeAssistant, spokenTurn } from './assistantHarness.js';

const ANSWER = 'The weather today is sunny. Tomorrow it will rain in the north. Then snow comes.';

/** The person asks at 1000–2000; the answer starts playing around 2650 and would last ~4 s. */
function setup(ptt?: PushToTalk) {
  const h = makeAssistant({
    llm: { reply: (_m, i) => (i === 0 ? ANSWER : 'Sure.'), firstOutputDelayMs: 40, perItemDelayMs: 5 },
    tts: { firstOutputDelayMs: 5 },
    script: spokenTurn('u1', 'What is the weather?', 1000, 2000),
    ...(ptt ? { lanes: () => ({ pushToTalk: ptt }) } : {}),
  });
  void h.assistant.listen(h.silence);
  return h;
}

describe('Assistant.interrupt (the button)', () => {
  it('stops the answer being spoken at once, cut where heard, and listens again', async () => {
    const h = setup();
    let answer: { interrupted: boolean } | undefined;
    h.clock.setTimer(() => {
      answer = h.assistant.interrupt();
    }, 4500);
    await h.runUntil(9000);
    expect(answer).toEqual({ interrupted: true });
    const turn1 = h.output.packets.filter((p) => p.playbackId === 'fake-1');
    const last = turn1.at(-1)?.atMs ?? Number.NaN;
    expect(last).toBeLessThanOrEqual(4500);
    expect(last).toBeGreaterThan(4500 - 20);
    const [cut, ...more] = finals(h.rec);
    expect(more).toEqual([]);
    expect(cut).toMatchObject({ turnId: 'turn-1', interrupted: true });
    // 1350 ms for the first sentence, then 8/35 of the second's 1750 ms fits in what was played.
    expect(cut?.text).toBe('The weather today is sunny. Tomorrow');
    expect(h.assistant.history.entries.map((e) => [e.role, e.text])).toEqual([
      ['user', 'What is the weather?'],
      ['assistant', 'The weather today is sunny. Tomorrow'],
    ]);
    expect(h.rec.states.map((s) => s.state)).toEqual([
      'user-speaking',
      'thinking',
      'thinking',
      'speaking',
      'listening',
    ]);
    expect(h.rec.metrics.map((m) => m.interrupted)).toEqual([true]);
    expect(h.assistant.state).toBe('listening');
  });

  it('stops a turn still thinking: nothing is said, and the next message is answered as usual', async () => {
    const h = makeAssistant({
      llm: { reply: (_m, i) => (i === 0 ? ANSWER : 'Sure.'), firstOutputDelayMs: 1000, perItemDelayMs: 5 },
      tts: { firstOutputDelayMs: 5 },
    });
    let answer: { interrupted: boolean } | undefined;
    h.clock.setTimer(() => h.assistant.sendText('Tell me the weather'), 100);
    h.clock.setTimer(() => {
      answer = h.assistant.interrupt();
    }, 300);
    h.clock.setTimer(() => h.assistant.sendText('Say sure'), 3000);
    await h.runUntil(8000);
    expect(answer).toEqual({ interrupted: true });
    expect(h.output.packets.filter((p) => p.playbackId === 'fake-1' && p.atMs < 3000)).toEqual([]);
    expect(h.rec.states.slice(0, 2).map((s) => s.state)).toEqual(['thinking', 'listening']);
    expect(finals(h.rec).map((r) => r.text)).toContain('Sure.');
    expect(h.assistant.history.entries.some((e) => e.text.includes('sunny'))).toBe(false);
  });

  it('answers false when nothing is thinking or speaking, and changes nothing', async () => {
    const h = setup();
    let answer: { interrupted: boolean } | undefined;
    h.clock.setTimer(() => {
      answer = h.assistant.interrupt();
    }, 500);
    await h.runUntil(600);
    expect(answer).toEqual({ interrupted: false });
    expect(h.rec.states).toEqual([]);
  });
});

describe('Assistant.pushToTalk', () => {
  it('pressed while the assistant speaks stops it and holds the listen lane; released lets go', async () => {
    const ptt = new PushToTalk();
    const h = setup(ptt);
    h.clock.setTimer(() => h.assistant.pushToTalk(true), 4500);
    let heldAfterPress = false;
    h.clock.setTimer(() => {
      heldAfterPress = ptt.held;
      h.assistant.pushToTalk(false);
    }, 6000);
    await h.runUntil(9000);
    expect(h.output.packets.filter((p) => p.playbackId === 'fake-1').at(-1)?.atMs).toBeLessThanOrEqual(4500);
    expect(finals(h.rec)).toMatchObject([{ turnId: 'turn-1', interrupted: true }]);
    expect(heldAfterPress).toBe(true);
    expect(ptt.held).toBe(false);
    expect(ptt.takeRelease()).toBe(true);
  });
});
