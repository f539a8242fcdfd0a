import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/clock.js';
import { type SpokenChunk, speaker } from '../../../../pipelines/speak/speaker.js';
import { FakeTts } from '../../../../pipelines/testing/fakes/fakeTts.js';
import { runStage, type ScriptedItem } from '../../../../pipelines/testing/harness.js';

/** LLM tokens: a first sentence at once, the second only at 1000 ms and 2000 ms. */
const TOKENS: ScriptedItem<string>[] = [
  { atMs: 0, item: 'Hello ' },
  { atMs: 0, item: 'there. ' },
  { atMs: 1000, item: 'How are' },
  { atMs: 2000, item: ' you?' },
];

function setup(options: ConstructorParameters<typeof FakeTts>[0] = {}) {
  const clock = new ManualClock(0);
  const tts = new FakeTts({ clock, firstOutputDelayMs: 50, perItemDelayMs: 10, chunkMs: 100, ...options });
  return { clock, tts, stage: speaker({ tts }) };
}

const firstOf = (outputs: { atMs: number; item: SpokenChunk }[], text: string) =>
  outputs.find((o) => o.item.text === text);

describe('speaker: text stream → sentences → TTS → PCM', () => {
  it('speaks the first sentence while the rest of the text is still being written', async () => {
    const { clock, tts, stage } = setup();
    const run = await runStage(stage, TOKENS, { clock });
    expect(run.error).toBeUndefined();
    expect(tts.requests.map((r) => r.text)).toEqual(['Hello there.', 'How are you?']);
    expect(firstOf(run.outputs, 'Hello there.')?.atMs).toBe(50);
    // The second sentence ends only when its last token arrives (2000 ms), then the TTS's first-output delay.
    expect(firstOf(run.outputs, 'How are you?')?.atMs).toBe(2050);
    const m = run.metrics.ofType('tts');
    expect(m.map((x) => [x.ttfbMs, x.cancelled, x.characters])).toEqual([
      [50, false, 12],
      [50, false, 12],
    ]);
  });

  it('puts every sentence on one contiguous timeline', async () => {
    const { clock, stage } = setup();
    const run = await runStage(stage, TOKENS, { clock });
    let expectedPtsMs = 0;
    for (const { item } of run.outputs) {
      expect(item.ptsMs).toBeCloseTo(expectedPtsMs, 6);
      expectedPtsMs += (item.samples.length * 1000) / item.sampleRateHz;
    }
    expect(run.metrics.ofType('tts').reduce((n, m) => n + m.audioDurationMs, 0)).toBeCloseTo(
      expectedPtsMs,
      6,
    );
  });

  it('stops mid-sentence on abort: ERR_ABORTED, nothing after it, the sentence reported cancelled', async () => {
    const { clock, tts, stage } = setup();
    // Chunks of the first sentence come out at 50, 60, 70 ...: abort at 65.
    const run = await runStage(stage, TOKENS, { clock, abortAtMs: 65 });
    expect(run.error).toMatchObject({ code: 'ERR_ABORTED' });
    expect(run.outputs.map((o) => o.atMs)).toEqual([50, 60]);
    expect(run.endMs).toBeLessThan(70);
    expect(tts.requests).toHaveLength(1);
    expect(run.metrics.ofType('tts').map((m) => m.cancelled)).toEqual([true]);
  });

  it('ends at the abort even while it waits for more text', async () => {
    const { clock, stage } = setup();
    const stuck: ScriptedItem<string>[] = [
      { atMs: 0, item: 'Hi. ' },
      { atMs: 30_000, item: 'Later.' },
    ];
    const run = await runStage(stage, stuck, { clock, abortAtMs: 500 });
    expect(run.error).toMatchObject({ code: 'ERR_ABORTED' });
    expect(run.endMs).toBe(500);
    expect(run.pulledAtMs).toEqual([0]);
  });

  it('passes a TTS failure on and stops', async () => {
    const { clock, tts, stage } = setup({ failOnCall: 2 });
    const run = await runStage(stage, TOKENS, { clock });
    expect(run.error).toMatchObject({ code: 'ERR_MODEL_RUN' });
    expect(new Set(run.outputs.map((o) => o.item.text))).toEqual(new Set(['Hello there.']));
    expect(tts.requests).toHaveLength(2);
  });

  it('passes the voice and speed to the TTS', async () => {
    const clock = new ManualClock(0);
    const tts = new FakeTts({ clock });
    await runStage(speaker({ tts, voice: 'am_adam', speed: 1.25 }), [{ atMs: 0, item: 'Yes.' }], { clock });
    expect(tts.requests).toEqual([{ text: 'Yes.', voice: 'am_adam', speed: 1.25 }]);
  });
});
