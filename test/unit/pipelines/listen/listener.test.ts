import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/clock.js';
import type { AudioFrame } from '../../../../core/media.js';
import type { EchoGuard, ListenEvent, TranscriptEvent } from '../../../../pipelines/listen/events.js';
import { isBackchannel, type ListenerOptions, listener } from '../../../../pipelines/listen/listener.js';
import { PushToTalk } from '../../../../pipelines/listen/pushToTalk.js';
import { FakeStt, type FakeSttOptions } from '../../../../pipelines/testing/fakes/fakeStt.js';
import { FakeTurnDetector } from '../../../../pipelines/testing/fakes/fakeTurnDetector.js';
import { FakeVad } from '../../../../pipelines/testing/fakes/fakeVad.js';
import { runStage, type ScriptedItem } from '../../../../pipelines/testing/harness.js';
import { hush, type Track, talk, tapFrames, wordsSaid } from './listenScript.js';

interface Setup {
  stt?: Omit<FakeSttOptions, 'clock'>;
  options?: Omit<ListenerOptions, 'vad' | 'stt'>;
  abortAtMs?: number;
}

async function listen(input: ScriptedItem<AudioFrame>[], s: Setup = {}) {
  const clock = new ManualClock(0);
  const vad = new FakeVad({ clock, windowMs: 20 });
  const stt = new FakeStt({ clock, ...s.stt });
  const run = await runStage(listener({ vad, stt, ...s.options }), input, {
    clock,
    abortAtMs: s.abortAtMs,
  });
  const timed = run.outputs.map((o) => ({ outAtMs: o.atMs, ...o.item }));
  const events = run.outputs.map((o) => o.item);
  const transcripts = events.filter((e): e is TranscriptEvent => e.type === 'transcript');
  return {
    run,
    stt,
    timed,
    events,
    control: events.filter((e) => e.type !== 'transcript'),
    partials: transcripts.filter((t) => !t.final),
    finals: transcripts.filter((t) => t.final),
  };
}

const ofType = <T extends ListenEvent['type']>(events: ListenEvent[], type: T) =>
  events.filter((e): e is Extract<ListenEvent, { type: T }> => e.type === type);

describe('listener', () => {
  it('one turn: control events on time, partials while speaking, the final right after end-of-turn', async () => {
    const track: Track = [hush(400), talk(2000), hush(1500)];
    const { control, partials, finals, timed, stt, run } = await listen(tapFrames(track), {
      stt: { firstOutputDelayMs: 50, transcript: (u) => `heard ${Math.round(u.samples.length / 16)} ms` },
    });
    expect(run.error).toBeUndefined();
    expect(control).toEqual([
      { type: 'speech-started', ptsMs: 400, audioStartMs: 100, atMs: 660 },
      { type: 'speech-stopped', ptsMs: 2400, atMs: 2600 },
      { type: 'end-of-turn', reason: 'silence', turnStartMs: 400, speechEndMs: 2400, atMs: 2900 },
    ]);
    // Every control event came out the moment it was decided.
    for (const e of timed.filter((t) => t.type !== 'transcript')) expect(e.outAtMs).toBe(e.atMs);
    // Partials: the utterance from audioStartMs, decoded again each 700 ms of new audio, then once at the pause.
    expect(partials.map((p) => p.endMs)).toEqual([800, 1500, 2200, 2600]);
    expect(partials.map((p) => p.text)).toEqual([
      'heard 700 ms',
      'heard 1400 ms',
      'heard 2100 ms',
      'heard 2500 ms',
    ]);
    for (const p of partials) expect(p).toMatchObject({ utteranceId: 'utt-1', startMs: 400, final: false });
    expect(finals).toEqual([
      {
        type: 'transcript',
        utteranceId: 'utt-1',
        text: 'heard 2800 ms',
        final: true,
        startMs: 400,
        endMs: 2400,
        atMs: 2950,
      },
    ]);
    expect(stt.requests.map((r) => r.utterance.ptsMs)).toEqual([100, 100, 100, 100, 100]);
    expect(stt.maxInFlight).toBe(1);
    expect(run.metrics.ofType('stt').map((m) => m.requestId)).toEqual([
      'utt-1/partial-1',
      'utt-1/partial-2',
      'utt-1/partial-3',
      'utt-1/partial-4',
      'utt-1/final',
    ]);
    expect(run.metrics.ofType('eou')).toEqual([
      {
        type: 'eou',
        atMs: 2950,
        label: 'fake-stt',
        endOfUtteranceDelayMs: 500,
        transcriptionDelayMs: 550,
      },
    ]);
    expect(run.metrics.ofType('vad').reduce((s, m) => s + m.audioDurationMs, 0)).toBe(3900);
  });

  it('control events are not held back by a slow STT (3 s per decode)', async () => {
    const track: Track = [hush(200), talk(1000), hush(1000), talk(600), hush(1000)];
    const { timed, finals, stt } = await listen(tapFrames(track), { stt: { firstOutputDelayMs: 3000 } });
    const control = timed.filter((t) => t.type !== 'transcript');
    expect(control.map((e) => e.type)).toEqual([
      'speech-started',
      'speech-stopped',
      'end-of-turn',
      'speech-started',
      'speech-stopped',
      'end-of-turn',
    ]);
    for (const e of control) expect(e.outAtMs).toBe(e.atMs);
    expect(finals.map((f) => f.utteranceId)).toEqual(['utt-1', 'utt-2']);
    expect(stt.maxInFlight).toBe(1);
  });

  it('partials: at most one decode in flight, and at least partialIntervalMs of new audio between them', async () => {
    const { stt, partials } = await listen(tapFrames([talk(6000), hush(800)]), {
      stt: { firstOutputDelayMs: 450 },
      options: { partialIntervalMs: 300, turn: { maxTurnMs: 60_000 } },
    });
    expect(stt.maxInFlight).toBe(1);
    const ends = stt.requests.map((r) => r.utterance.ptsMs + r.utterance.samples.length / 16);
    for (let i = 1; i < ends.length - 1; i++) {
      expect((ends[i] as number) - (ends[i - 1] as number)).toBeGreaterThanOrEqual(300);
    }
    // A slow STT sets the pace: each partial starts when the last one is done (450 ms apart), not every 300 ms.
    const starts = stt.requests.slice(0, -1).map((r) => r.startedAtMs);
    for (let i = 1; i < starts.length; i++)
      expect((starts[i] as number) - (starts[i - 1] as number)).toBeGreaterThanOrEqual(450);
    expect(partials.length).toBeGreaterThan(8);
  });

  it('a partial still running at end-of-turn is aborted and the final starts at once', async () => {
    // Speech 0–1000: partials are asked at 700 (audio) and at the pause (1200); each takes 400 ms.
    const { stt, finals, control } = await listen(tapFrames([talk(1000), hush(1000)]), {
      stt: { firstOutputDelayMs: 400 },
      options: { turn: { minSilenceMs: 200, endOfTurnSilenceMs: 300 } },
    });
    const eot = ofType(control, 'end-of-turn')[0];
    expect(eot?.atMs).toBe(1300);
    expect(stt.requests.map((r) => [r.startedAtMs, r.outcome])).toEqual([
      [700, 'ok'],
      [1200, 'aborted'],
      [1300, 'ok'],
    ]);
    expect(finals[0]?.atMs).toBe(1700);
    expect(stt.maxInFlight).toBe(1);
  });

  it('an unfinished phrase waits unfinishedSilenceMs, a finished one endOfTurnSilenceMs', async () => {
    const said = (words: string[]) => wordsSaid(words.map((w, i) => [200 + i * 150, w]));
    const track: Track = [talk(1000), hush(2000)];
    const unfinished = await listen(tapFrames(track), {
      stt: { transcript: said(['I', 'want', 'a', 'pizza', 'and']) },
    });
    expect(ofType(unfinished.control, 'end-of-turn')).toMatchObject([
      { reason: 'silence', speechEndMs: 1000, atMs: 2000 },
    ]);
    expect(unfinished.finals.map((f) => f.text)).toEqual(['I want a pizza and']);
    const finished = await listen(tapFrames(track), {
      stt: { transcript: said(['I', 'want', 'a', 'pizza', 'please']) },
    });
    expect(ofType(finished.control, 'end-of-turn')).toMatchObject([
      { reason: 'silence', speechEndMs: 1000, atMs: 1500 },
    ]);
  });

  it('a number being read holds the turn; the words are those of the current utterance only', async () => {
    const script: [number, string][] = [
      [100, 'my'],
      [250, 'number'],
      [400, 'is'],
      [600, '0'],
      [800, '7'],
      [950, '7'],
    ];
    const { control } = await listen(tapFrames([talk(1000), hush(2000), talk(400), hush(1500)]), {
      stt: { transcript: wordsSaid([...script, [3100, 'thanks.']]) },
    });
    expect(ofType(control, 'end-of-turn')).toMatchObject([
      { turnStartMs: 0, atMs: 2000 },
      { turnStartMs: 3000, atMs: 3900 },
    ]);
  });

  it('a backchannel is an utterance with a final the dialog can recognise', async () => {
    const { finals, control } = await listen(tapFrames([hush(300), talk(400), hush(800)]), {
      stt: { transcript: 'Mm-hmm.' },
    });
    expect(ofType(control, 'end-of-turn')).toHaveLength(1);
    expect(finals).toMatchObject([{ text: 'Mm-hmm.', final: true }]);
    expect(isBackchannel(finals[0]?.text ?? '')).toBe(true);
  });

  it('noise with no words gives a final with empty text', async () => {
    const { finals } = await listen(tapFrames([talk(500), hush(800)]), { stt: { transcript: '' } });
    expect(finals).toMatchObject([{ utteranceId: 'utt-1', text: '', final: true }]);
    expect(finals[0]?.error).toBeUndefined();
  });

  it('a failed final decode gives a final with empty text and the error; the next turn is heard', async () => {
    const { finals } = await listen(tapFrames([talk(500), hush(800), talk(500), hush(800)]), {
      // Call 1 is utt-1's partial at the pause, call 2 its final.
      stt: { failOnCall: 2, transcript: 'hello' },
    });
    expect(finals).toMatchObject([
      { utteranceId: 'utt-1', text: '', error: { code: 'ERR_MODEL_RUN' } },
      { utteranceId: 'utt-2', text: 'hello' },
    ]);
  });

  it('a turn longer than maxTurnMs is cut into utterances, each with its final', async () => {
    const { control, finals } = await listen(tapFrames([talk(5000), hush(1000)]), {
      options: { turn: { maxTurnMs: 3000 } },
    });
    expect(ofType(control, 'end-of-turn')).toMatchObject([
      { reason: 'max-turn', turnStartMs: 0, atMs: 3000 },
      { reason: 'silence', turnStartMs: 3000, speechEndMs: 5000 },
    ]);
    expect(finals.map((f) => [f.utteranceId, f.startMs, f.endMs])).toEqual([
      ['utt-1', 0, 3000],
      ['utt-2', 3000, 5000],
    ]);
  });

  it('input ending mid-turn ends the turn and the final still comes before the stage ends', async () => {
    const { control, finals, run } = await listen(tapFrames([hush(200), talk(1000)]), {
      stt: { firstOutputDelayMs: 100 },
    });
    expect(run.error).toBeUndefined();
    expect(ofType(control, 'end-of-turn')).toEqual([
      { type: 'end-of-turn', reason: 'input-ended', turnStartMs: 200, speechEndMs: 1200, atMs: 1200 },
    ]);
    expect(finals).toHaveLength(1);
    expect(run.endMs).toBeGreaterThanOrEqual((finals[0]?.atMs ?? 0) as number);
  });

  it('a re-anchored timeline ends the turn with the audio heard before the gap, and listens on', async () => {
    const before = tapFrames([hush(200), talk(1000)]);
    const after = tapFrames([talk(600), hush(800)], { offsetMs: 20_000, reanchorFirst: true });
    const { control, finals, stt } = await listen([...before, ...after], {
      stt: { transcript: (u) => `from ${u.ptsMs} for ${u.samples.length / 16} ms` },
      // The re-anchor comes before any idle fill would end the turn (idleFill.test.ts has that case).
      options: { idleFillMs: 60_000 },
    });
    expect(ofType(control, 'end-of-turn')).toMatchObject([
      { reason: 'timeline-gap', turnStartMs: 200, speechEndMs: 1200 },
      { reason: 'silence', turnStartMs: 20_000, speechEndMs: 20_600 },
    ]);
    // The first final reads the audio from the padding before its onset to the gap (0 to 1200); the
    // second the new timeline only (its padding would reach back into the gap).
    expect(finals.map((f) => f.text)).toEqual(['from 0 for 1200 ms', 'from 20000 for 1100 ms']);
    expect(stt.maxInFlight).toBe(1);
  });

  it('echo: verdicts over frames the guard calls echo never start a turn; the person over it does', async () => {
    const track: Track = [hush(200), talk(1500), hush(1000)];
    const echoUntilMs = { value: Number.POSITIVE_INFINITY };
    const echo: EchoGuard = {
      noteSent() {},
      process: (frame) => ({ frame, echoLikely: frame.ptsMs < echoUntilMs.value }),
    };
    const allEcho = await listen(tapFrames(track), { options: { echo } });
    expect(allEcho.events).toEqual([]);
    // The echo stops at 900 ms (the person talks on alone): one turn from there.
    echoUntilMs.value = 900;
    const person = await listen(tapFrames(track), { options: { echo } });
    expect(ofType(person.control, 'speech-started')).toMatchObject([{ ptsMs: 900 }]);
  });

  it('the echo guard’s cleaned frame is what the VAD and the STT hear', async () => {
    const echo: EchoGuard = {
      noteSent() {},
      process: (frame) => ({
        frame: { ...frame, samples: new Int16Array(frame.samples.length) },
        echoLikely: false,
      }),
    };
    const { events, stt } = await listen(tapFrames([talk(1000), hush(800)]), { options: { echo } });
    expect(events).toEqual([]);
    expect(stt.requests).toHaveLength(0);
  });

  it('a turn model is asked with the turn audio from the ring and ends the turn at once', async () => {
    const clock = new ManualClock(0);
    const model = new FakeTurnDetector({ clock, probability: 0.95, firstOutputDelayMs: 10 });
    const run = await runStage(
      listener({ vad: new FakeVad({ clock, windowMs: 20 }), stt: new FakeStt({ clock }), turnModel: model }),
      tapFrames([hush(500), talk(1000), hush(1000)]),
      { clock },
    );
    expect(
      ofType(
        run.outputs.map((o) => o.item),
        'end-of-turn',
      ),
    ).toEqual([
      {
        type: 'end-of-turn',
        reason: 'model',
        turnStartMs: 500,
        speechEndMs: 1500,
        probability: 0.95,
        // Decided on the clock once the model answered: the 200 ms pause ends at 1700, the model takes 10 ms.
        atMs: 1710,
      },
    ]);
    expect(model.requests.map((a) => [a.ptsMs, a.samples.length / 16])).toEqual([[200, 1500]]);
    expect(model.requests[0]?.samples[300 * 16]).toBe(4000);
  });

  it('an STT at another rate gets the utterance resampled, the same stretch of time', async () => {
    const clock = new ManualClock(0);
    const stt = new FakeStt({ clock, sampleRateHz: 8000 });
    const run = await runStage(
      listener({ vad: new FakeVad({ clock, windowMs: 20 }), stt }),
      tapFrames([hush(400), talk(600), hush(800)]),
      { clock },
    );
    expect(run.error).toBeUndefined();
    const final = stt.requests.at(-1)?.utterance;
    // From the padding before the onset (100) to the end-of-turn decision (1500), at 8 kHz.
    expect([final?.ptsMs, final?.sampleRateHz, final?.samples.length]).toEqual([100, 8000, 1400 * 8]);
  });

  it('aborting the call ends the stage with ERR_ABORTED and aborts the decode in flight', async () => {
    const { run, stt } = await listen(tapFrames([talk(3000)]), {
      stt: { firstOutputDelayMs: 5000 },
      abortAtMs: 1000,
    });
    expect(run.error).toMatchObject({ code: 'ERR_ABORTED' });
    expect(run.endMs).toBeLessThan(1100);
    await new Promise((r) => setImmediate(r));
    expect(stt.requests.map((r) => r.outcome)).toEqual(['aborted']);
  });
});

describe('listener with push-to-talk', () => {
  /** Two phrases 800 ms apart (a pause that ends a turn by itself), then a long hush. */
  const track: Track = [hush(400), talk(1000), hush(800), talk(1000), hush(1500)];

  async function listenWithButton(button: { pressAtMs: number; releaseAtMs: number } | null) {
    const clock = new ManualClock(0);
    const ptt = new PushToTalk();
    if (button) {
      clock.setTimer(() => ptt.press(), button.pressAtMs);
      clock.setTimer(() => ptt.release(), button.releaseAtMs);
    }
    const vad = new FakeVad({ clock, windowMs: 20 });
    const stt = new FakeStt({ clock, transcript: () => 'words' });
    const run = await runStage(
      listener({ vad, stt, ...(button ? { pushToTalk: ptt } : {}) }),
      tapFrames(track),
      {
        clock,
      },
    );
    expect(run.error).toBeUndefined();
    const events = run.outputs.map((o) => o.item);
    return {
      ends: ofType(events, 'end-of-turn'),
      finals: ofType(events, 'transcript').filter((t) => t.final),
    };
  }

  it('without the button the pause splits the speech into two turns (the control case)', async () => {
    const { ends, finals } = await listenWithButton(null);
    expect(ends.map((e) => e.reason)).toEqual(['silence', 'silence']);
    expect(finals).toHaveLength(2);
  });

  it('held, one turn through the pause; released, it ends at once with its final', async () => {
    const { ends, finals } = await listenWithButton({ pressAtMs: 100, releaseAtMs: 3305 });
    expect(ends).toEqual([
      {
        type: 'end-of-turn',
        reason: 'released',
        turnStartMs: 400,
        speechEndMs: 3200,
        atMs: expect.any(Number),
      },
    ]);
    // The next verdict after the release decides it, well before any silence rule would (3200 + 500).
    expect(ends[0]?.atMs).toBeGreaterThan(3305);
    expect(ends[0]?.atMs).toBeLessThanOrEqual(3305 + 40);
    expect(finals).toHaveLength(1);
    expect(finals[0]).toMatchObject({ startMs: 400, endMs: 3200, text: 'words' });
  });
});
