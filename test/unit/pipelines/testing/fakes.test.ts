import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/clock.js';
import type { LlmToken } from '../../../../models/roles/llm.js';
import type { Stage } from '../../../../pipelines/core/stage.js';
import { FakeLlm } from '../../../../pipelines/testing/fakes/fakeLlm.js';
import { FakeStt } from '../../../../pipelines/testing/fakes/fakeStt.js';
import { runStage } from '../../../../pipelines/testing/harness.js';

/** Asks the LLM once per input prompt and streams its tokens. */
const ask = (llm: FakeLlm): Stage<string, LlmToken> =>
  async function* (prompts, ctx) {
    for await (const text of prompts) {
      yield* llm.generate([{ role: 'user', content: [{ type: 'text', text }] }], { signal: ctx.signal });
    }
  };

describe('scripted fakes on the injected clock', () => {
  it('FakeLlm: first token after firstOutputDelayMs, then one per perItemDelayMs; records each request', async () => {
    const clock = new ManualClock(0);
    const llm = new FakeLlm({ clock, reply: 'one two three', firstOutputDelayMs: 200, perItemDelayMs: 40 });
    const run = await runStage(ask(llm), [{ atMs: 10, item: 'count' }], { clock });
    expect(run.outputs.map((o) => [o.atMs, o.item.text])).toEqual([
      [210, 'one'],
      [250, ' two'],
      [290, ' three'],
    ]);
    expect(llm.requests.map((r) => r.messages[0]?.content)).toEqual([[{ type: 'text', text: 'count' }]]);
  });

  it('FakeLlm: fails the scripted call after the scripted number of tokens', async () => {
    const clock = new ManualClock(0);
    const llm = new FakeLlm({ clock, reply: 'a b c', failOnCall: 2, failAfterItems: 1 });
    const run = await runStage(
      ask(llm),
      [
        { atMs: 0, item: 'first' },
        { atMs: 0, item: 'second' },
      ],
      { clock },
    );
    expect(run.outputs.map((o) => o.item.text)).toEqual(['a', ' b', ' c', 'a']);
    expect(run.error).toMatchObject({ code: 'ERR_MODEL_RUN' });
  });

  it('FakeStt: answers after its delay, one segment over the utterance, with a custom error', async () => {
    const clock = new ManualClock(0);
    const stt = new FakeStt({
      clock,
      transcript: (u) => `${u.samples.length} samples`,
      firstOutputDelayMs: 300,
      failOnCall: 2,
      error: () => new RangeError('boom'),
    });
    const utterance = { samples: new Int16Array(1600), sampleRateHz: 16000, ptsMs: 500 };
    const pending = stt.transcribe(utterance);
    clock.advance(299);
    await new Promise((r) => setImmediate(r));
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    clock.advance(1);
    expect(await pending).toEqual({
      text: '1600 samples',
      segments: [{ startMs: 500, endMs: 600, text: '1600 samples' }],
    });
    const second = stt.transcribe(utterance);
    clock.advance(300);
    await expect(second).rejects.toThrow(RangeError);
    expect(stt.requests).toHaveLength(2);
  });
});
