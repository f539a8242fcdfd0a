import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/clock.js';
import { createLogger } from '../../../../core/log.js';
import type { PcmChunk } from '../../../../core/media.js';
import {
  createTurnDetector,
  TURN_DEFAULTS,
  type TurnDetectorOptions,
  type TurnEvent,
  type TurnModelSource,
} from '../../../../pipelines/listen/turnDetector.js';
import type { VadVerdict } from '../../../../pipelines/listen/vadStage.js';
import {
  FakeTurnDetector,
  type FakeTurnDetectorOptions,
} from '../../../../pipelines/testing/fakes/fakeTurnDetector.js';
import { runStage, type ScriptedItem } from '../../../../pipelines/testing/harness.js';
import { quiet, speech, vadTrack } from '../../../helpers/vadTrack.js';

async function detect(
  input: ScriptedItem<VadVerdict>[],
  options: Partial<TurnDetectorOptions> = {},
  model?: (clock: ManualClock) => TurnModelSource,
  words?: () => string,
) {
  const clock = new ManualClock(0);
  const lines: string[] = [];
  const run = await runStage(createTurnDetector(options, model?.(clock), words), input, {
    clock,
    log: createLogger({ level: 'warn', write: (l) => lines.push(l) }),
  });
  expect(run.error).toBeUndefined();
  return { events: run.outputs.map((o) => o.item), run, lines };
}

/** A Smart-Turn stand-in on the harness clock; records the audio windows it was asked about. */
function fakeModel(asked: [number, number][], o: Omit<FakeTurnDetectorOptions, 'clock'>) {
  return (clock: ManualClock): TurnModelSource => ({
    model: new FakeTurnDetector({ ...o, clock }),
    audio: (fromMs, toMs): PcmChunk => {
      asked.push([fromMs, toMs]);
      return {
        samples: new Int16Array(Math.round((toMs - fromMs) * 16)).fill(1000),
        sampleRateHz: 16000,
        ptsMs: fromMs,
      };
    },
  });
}

const ends = (events: TurnEvent[]) => events.filter((e) => e.type === 'end-of-turn');

describe('createTurnDetector', () => {
  it('reports onset with prefix padding, the pause, and ends the turn after the silence', async () => {
    const { events } = await detect(vadTrack(quiet(1000), speech(1000), quiet(1000)));
    expect(events).toEqual([
      { type: 'speech-started', ptsMs: 1000, audioStartMs: 700, atMs: 1000 + TURN_DEFAULTS.minSpeechMs + 10 },
      { type: 'speech-stopped', ptsMs: 2000, atMs: 2200 },
      { type: 'end-of-turn', reason: 'silence', turnStartMs: 1000, speechEndMs: 2000, atMs: 2500 },
    ]);
  });

  it('ignores a click shorter than minSpeechMs', async () => {
    const { events } = await detect(vadTrack(quiet(500), speech(200), quiet(1000), speech(100), quiet(1000)));
    expect(events).toEqual([]);
  });

  it('keeps a pause shorter than the silence in one turn, though the resumed speech is confirmed only after the deadline', async () => {
    const { events } = await detect(vadTrack(speech(600), quiet(400), speech(600), quiet(1000)));
    expect(events.map((e) => e.type)).toEqual([
      'speech-started',
      'speech-stopped',
      'speech-started',
      'speech-stopped',
      'end-of-turn',
    ]);
    expect(ends(events)).toEqual([
      { type: 'end-of-turn', reason: 'silence', turnStartMs: 0, speechEndMs: 1600, atMs: 2100 },
    ]);
  });

  it('a click during a pause neither resumes the turn nor restarts the silence', async () => {
    const { events } = await detect(vadTrack(speech(600), quiet(300), speech(100), quiet(1000)));
    expect(events.map((e) => e.type)).toEqual(['speech-started', 'speech-stopped', 'end-of-turn']);
    expect(ends(events)[0]).toMatchObject({ reason: 'silence', speechEndMs: 600, atMs: 1100 });
  });

  it('holds speech in progress through probabilities between the two thresholds', async () => {
    const { events } = await detect(vadTrack(speech(400), [0.4, 600], speech(400), quiet(1000)));
    expect(events.map((e) => e.type)).toEqual(['speech-started', 'speech-stopped', 'end-of-turn']);
    expect(ends(events)[0]).toMatchObject({ reason: 'silence', speechEndMs: 1400, atMs: 1900 });
  });

  it('cuts a turn at maxTurnMs while the person still speaks, then starts a new one', async () => {
    const { events } = await detect(vadTrack(quiet(200), speech(5000), quiet(1000)), { maxTurnMs: 3000 });
    expect(events.map((e) => e.type)).toEqual([
      'speech-started',
      'end-of-turn',
      'speech-started',
      'speech-stopped',
      'end-of-turn',
    ]);
    const [first, second] = ends(events);
    expect(first).toMatchObject({ reason: 'max-turn', turnStartMs: 200, atMs: 3200 });
    expect(second).toMatchObject({ reason: 'silence', turnStartMs: 3200, speechEndMs: 5200, atMs: 5700 });
  });

  it('ends at once when the turn model says complete, with its probability and the turn audio', async () => {
    const asked: [number, number][] = [];
    const { events, run } = await detect(
      vadTrack(quiet(1000), speech(1000), quiet(1500)),
      {},
      fakeModel(asked, { probability: 0.8, firstOutputDelayMs: 15 }),
    );
    expect(ends(events)).toEqual([
      {
        type: 'end-of-turn',
        reason: 'model',
        turnStartMs: 1000,
        speechEndMs: 2000,
        probability: 0.8,
        atMs: 2200,
      },
    ]);
    expect(asked).toEqual([[700, 2200]]);
    expect(run.metrics.ofType('turn')).toMatchObject([
      { label: 'fake-turn', probability: 0.8, durationMs: 15 },
    ]);
  });

  it('waits unfinishedSilenceMs when the turn model says the words are unfinished', async () => {
    const asked: [number, number][] = [];
    const { events } = await detect(
      vadTrack(speech(1000), quiet(1500)),
      {},
      fakeModel(asked, { probability: 0.2 }),
    );
    expect(ends(events)).toEqual([
      {
        type: 'end-of-turn',
        reason: 'silence',
        turnStartMs: 0,
        speechEndMs: 1000,
        probability: 0.2,
        atMs: 2000,
      },
    ]);
    expect(asked).toHaveLength(1);
  });

  it('falls back to the silence rule, and logs, when the turn model throws', async () => {
    const asked: [number, number][] = [];
    const { events, lines } = await detect(
      vadTrack(speech(1000), quiet(1500), speech(1000), quiet(1500)),
      {},
      fakeModel(asked, { probability: 0.2, failOnCall: 1 }),
    );
    expect(ends(events)).toEqual([
      { type: 'end-of-turn', reason: 'silence', turnStartMs: 0, speechEndMs: 1000, atMs: 1500 },
      {
        type: 'end-of-turn',
        reason: 'silence',
        turnStartMs: 2500,
        speechEndMs: 3500,
        probability: 0.2,
        atMs: 4500,
      },
    ]);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'warn',
      model: 'fake-turn',
      error: { code: 'ERR_MODEL_RUN' },
    });
  });

  it('refuses settings that contradict each other', () => {
    expect(() => createTurnDetector({ endOfTurnSilenceMs: 2000 })).toThrow(/unfinishedSilenceMs/);
    expect(() => createTurnDetector({ activationThreshold: 0.2 })).toThrow(/thresholds/);
    expect(() => createTurnDetector({ minSpeechMs: -1 })).toThrow(/minSpeechMs/);
  });

  it('waits unfinishedSilenceMs when the words so far end on "and", and reads them at the end-of-turn deadline', async () => {
    const readAtMs: number[] = [];
    const clock = new ManualClock(0);
    const input = vadTrack(quiet(400), speech(1000), quiet(2000));
    const run = await runStage(
      createTurnDetector({}, undefined, () => {
        readAtMs.push(clock.nowMs());
        return 'I would like a pizza and';
      }),
      input,
      { clock },
    );
    expect(ends(run.outputs.map((o) => o.item))).toEqual([
      { type: 'end-of-turn', reason: 'silence', turnStartMs: 400, speechEndMs: 1400, atMs: 2400 },
    ]);
    // Read once, when the 500 ms pause was reached (the verdict ending at 1900 is offered at 1900).
    expect(readAtMs).toEqual([1900]);
  });

  it('ends after endOfTurnSilenceMs when the words look finished', async () => {
    const { events } = await detect(
      vadTrack(speech(1000), quiet(2000)),
      {},
      undefined,
      () => 'I want a pizza.',
    );
    expect(ends(events)).toEqual([
      { type: 'end-of-turn', reason: 'silence', turnStartMs: 0, speechEndMs: 1000, atMs: 1500 },
    ]);
  });

  it('reads the words again after the person resumes: finished words at the second pause end it on time', async () => {
    const said = ['Call me at 0 7 7', 'Call me at 0 7 7 1 2 3 4 5 6 thanks.'];
    let pause = 0;
    const { events } = await detect(
      vadTrack(speech(1000), quiet(700), speech(1000), quiet(2000)),
      {},
      undefined,
      () => said[pause++] ?? '',
    );
    expect(pause).toBe(2);
    expect(ends(events)).toEqual([
      { type: 'end-of-turn', reason: 'silence', turnStartMs: 0, speechEndMs: 2700, atMs: 3200 },
    ]);
  });

  it('the turn model, when it answers, decides instead of the words', async () => {
    const asked: [number, number][] = [];
    const { events } = await detect(
      vadTrack(speech(1000), quiet(1500)),
      {},
      fakeModel(asked, { probability: 0.9 }),
      () => 'and',
    );
    expect(ends(events)).toMatchObject([{ reason: 'model', atMs: 1200 }]);
  });

  it('ends an open turn when the input ends mid-turn, at the end of the last verdict', async () => {
    const { events } = await detect(vadTrack(quiet(200), speech(800)));
    expect(events).toEqual([
      { type: 'speech-started', ptsMs: 200, audioStartMs: 0, atMs: 460 },
      { type: 'end-of-turn', reason: 'input-ended', turnStartMs: 200, speechEndMs: 1000, atMs: 1000 },
    ]);
  });

  it('ends a paused turn when the input ends before the silence elapsed; no event without a turn', async () => {
    const paused = await detect(vadTrack(speech(600), quiet(300)));
    expect(ends(paused.events)).toEqual([
      { type: 'end-of-turn', reason: 'input-ended', turnStartMs: 0, speechEndMs: 600, atMs: 900 },
    ]);
    expect((await detect(vadTrack(quiet(300), speech(100)))).events).toEqual([]);
  });

  it('a re-anchored timeline ends the open turn and forgets a half-confirmed onset', async () => {
    const before = vadTrack(speech(600));
    // The next timeline starts at 10 s: 200 ms of speech (not yet a turn), then a fresh turn.
    const after = vadTrack(speech(1000), quiet(1000)).map(({ atMs, item }, i) => ({
      atMs: atMs + 10_000,
      item: { ...item, ptsMs: item.ptsMs + 10_000, ...(i === 0 ? { reanchored: true } : {}) },
    }));
    const { events } = await detect([...before, ...after]);
    expect(events).toEqual([
      { type: 'speech-started', ptsMs: 0, audioStartMs: 0, atMs: 260 },
      { type: 'end-of-turn', reason: 'timeline-gap', turnStartMs: 0, speechEndMs: 600, atMs: 600 },
      { type: 'speech-started', ptsMs: 10_000, audioStartMs: 9700, atMs: 10_260 },
      { type: 'speech-stopped', ptsMs: 11_000, atMs: 11_200 },
      { type: 'end-of-turn', reason: 'silence', turnStartMs: 10_000, speechEndMs: 11_000, atMs: 11_500 },
    ]);
  });

  it('a re-anchor in the middle of an onset does not join speech across the gap', async () => {
    const before = vadTrack(quiet(100), speech(160));
    const after = vadTrack(speech(160), quiet(1000)).map(({ atMs, item }, i) => ({
      atMs: atMs + 5000,
      item: { ...item, ptsMs: item.ptsMs + 5000, ...(i === 0 ? { reanchored: true } : {}) },
    }));
    const { events } = await detect([...before, ...after]);
    expect(events).toEqual([]);
  });
});
