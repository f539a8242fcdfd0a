import { ManualClock } from '../../../../core/clock.js';
import { silentLogger } from '../../../../core/log.js';
import type { AudioFrame } from '../../../../core/media.js';
import { Assistant } from '../../../../pipelines/assistant/assistant.js';
import type { AssistantLanes, AssistantModels } from '../../../../pipelines/assistant/deps.js';
import type { AssistantEvents } from '../../../../pipelines/assistant/events.js';
import type { AssistantOptions } from '../../../../pipelines/assistant/options.js';
import { MemoryMetrics } from '../../../../pipelines/core/metrics.js';
import { sleep } from '../../../../pipelines/core/sleep.js';
import type { Stage } from '../../../../pipelines/core/stage.js';
import type { ListenEvent } from '../../../../pipelines/listen/events.js';
import { FakeAudioOutput } from '../../../../pipelines/testing/fakes/fakeAudioOutput.js';
import { FakeLlm, type FakeLlmOptions } from '../../../../pipelines/testing/fakes/fakeLlm.js';
import { FakeStt } from '../../../../pipelines/testing/fakes/fakeStt.js';
import { FakeTts, type FakeTtsOptions } from '../../../../pipelines/testing/fakes/fakeTts.js';
import { FakeVad } from '../../../../pipelines/testing/fakes/fakeVad.js';

/** A listen event and the clock time the listen lane emits it. */
export interface ScriptedEvent {
  atMs: number;
  event: ListenEvent;
}

/** A listen lane that ignores the audio and emits a script on the clock. */
export function scriptedListen(clock: ManualClock, script: ScriptedEvent[]): Stage<AudioFrame, ListenEvent> {
  return async function* (_audio, ctx) {
    for (const { atMs, event } of [...script].sort((a, b) => a.atMs - b.atMs)) {
      if (atMs > clock.nowMs()) await sleep(clock, atMs - clock.nowMs(), ctx.signal);
      yield { ...event, atMs };
    }
  };
}

/** The listen events of one spoken turn: onset, the end of speech, the end of turn 500 ms later, the final. */
export function spokenTurn(
  id: string,
  text: string,
  onsetMs: number,
  speechEndMs: number,
  o: { eotAfterMs?: number; sttMs?: number; partialAtMs?: number } = {},
): ScriptedEvent[] {
  const eotAtMs = speechEndMs + (o.eotAfterMs ?? 500);
  const finalAtMs = eotAtMs + (o.sttMs ?? 100);
  const events: ScriptedEvent[] = [
    {
      atMs: onsetMs + 250,
      event: { type: 'speech-started', ptsMs: onsetMs, audioStartMs: Math.max(0, onsetMs - 300), atMs: 0 },
    },
    { atMs: speechEndMs + 200, event: { type: 'speech-stopped', ptsMs: speechEndMs, atMs: 0 } },
    {
      atMs: eotAtMs,
      event: { type: 'end-of-turn', reason: 'silence', turnStartMs: onsetMs, speechEndMs, atMs: 0 },
    },
    {
      atMs: finalAtMs,
      event: {
        type: 'transcript',
        utteranceId: id,
        text,
        final: true,
        startMs: onsetMs,
        endMs: speechEndMs,
        atMs: 0,
      },
    },
  ];
  if (o.partialAtMs !== undefined) {
    events.push({
      atMs: o.partialAtMs,
      event: {
        type: 'transcript',
        utteranceId: id,
        text,
        final: false,
        startMs: onsetMs,
        endMs: o.partialAtMs,
        atMs: 0,
      },
    });
  }
  return events;
}

/** Everything the assistant emitted, with the clock time. */
export interface Recorded {
  states: { atMs: number; state: string; turnId: string | null }[];
  replies: (AssistantEvents['reply'][0] & { atMs: number })[];
  toolCalls: AssistantEvents['toolCall'][0][];
  metrics: AssistantEvents['metrics'][0][];
  errors: AssistantEvents['error'][0][];
}

export interface HarnessOptions {
  llm?: FakeLlmOptions;
  tts?: FakeTtsOptions;
  lanes?: (clock: ManualClock) => Partial<AssistantLanes>;
  script?: ScriptedEvent[];
  options?: Partial<AssistantOptions>;
  models?: Partial<AssistantModels>;
}

/** An assistant on fakes and a ManualClock, with everything it emits recorded. */
export function makeAssistant(h: HarnessOptions = {}) {
  const clock = new ManualClock(0);
  // TTS at the output's rate: no resampler converter, so every step is on the ManualClock.
  const tts = new FakeTts({ clock, sampleRateHz: 48000, msPerChar: 50, chunkMs: 100, ...h.tts });
  const llm = new FakeLlm({ clock, ...h.llm });
  const output = new FakeAudioOutput({ clock });
  const metrics = new MemoryMetrics();
  const call = new AbortController();
  const models: AssistantModels = {
    vad: new FakeVad(),
    stt: new FakeStt({ clock }),
    llm,
    tts,
    turn: null,
    ocr: null,
    vision: null,
    ...h.models,
  };
  const lanes: AssistantLanes = {
    listen: scriptedListen(clock, h.script ?? []),
    echo: null,
    watch: null,
    ...h.lanes?.(clock),
  };
  const assistant = new Assistant(
    { models, output, clock, log: silentLogger, metrics, signal: call.signal },
    lanes,
    { now: () => new Date('2025-01-02T03:04:05.000Z'), ...h.options },
  );
  const rec: Recorded = { states: [], replies: [], toolCalls: [], metrics: [], errors: [] };
  assistant.on('state', (s) => rec.states.push({ atMs: clock.nowMs(), ...s }));
  assistant.on('reply', (r) => rec.replies.push({ atMs: clock.nowMs(), ...r }));
  assistant.on('toolCall', (c) => rec.toolCalls.push(c));
  assistant.on('metrics', (m) => rec.metrics.push(m));
  assistant.on('error', (e) => rec.errors.push(e));
  /** Moves the clock to `untilMs` one ms at a time, letting every continuation run in between. */
  const runUntil = async (untilMs: number) => {
    while (clock.nowMs() < untilMs) {
      for (let i = 0; i < 4; i++) await new Promise<void>((r) => setImmediate(r));
      clock.advance(1);
    }
    for (let i = 0; i < 4; i++) await new Promise<void>((r) => setImmediate(r));
  };
  const silence = (async function* (): AsyncGenerator<AudioFrame> {})();
  return { clock, tts, llm, output, metrics, call, assistant, rec, runUntil, silence };
}

/** The final reply of each turn. */
export const finals = (rec: Recorded) => rec.replies.filter((r) => r.final);
