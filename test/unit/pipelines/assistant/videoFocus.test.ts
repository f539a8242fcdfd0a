import { describe, expect, it } from 'vitest';
import type { LlmContent, LlmVideoFrame } from '../../../../models/roles/llm.js';
import type { AssistantLanes } from '../../../../pipelines/assistant/deps.js';
import {
  type PreparedVideoTurn,
  VIDEO_TURN_PREAMBLE,
  type VideoFocusTarget,
} from '../../../../pipelines/assistant/videoFocus.js';
import { sleep } from '../../../../pipelines/core/sleep.js';
import { SightlineError } from '../../../../protocol/errors.js';
import { formatMmSs } from '../../../../protocol/time.js';
import type { Citation, VideoAnswerEvent } from '../../../../protocol/video.js';
import { finals, makeAssistant, type ScriptedEvent, spokenTurn } from './assistantHarness.js';

const ANSWER = 'At 00:05 the train arrives. At 00:40 the door opens.';

/** The cited `mm:ss` of a text (what the questions helper's extractCitations does, reduced). */
function citeMmSs(text: string): Citation[] {
  return [...text.matchAll(/\b(\d{1,2}):(\d{2})\b/g)].map((m) => {
    const tMs = (Number(m[1]) * 60 + Number(m[2])) * 1000;
    return { tMs, label: formatMmSs(tMs) };
  });
}

const frame = (ptsMs: number): LlmVideoFrame => ({ rgb: new Uint8Array(12), width: 2, height: 2, ptsMs });

/** A scripted prepare: records each question, answers with a video part of frames at 5 s and 40 s. */
function fakeVideo(videoId: string, o: { delayMs?: number; fail?: Error } = {}) {
  const questions: { question: string; signal: AbortSignal }[] = [];
  let clockSleep: ((ms: number, signal: AbortSignal) => Promise<void>) | null = null;
  const content: LlmContent[] = [
    { type: 'video', frames: [frame(5000), frame(40_000)] },
    { type: 'text', text: 'Text on screen at 00:40: DOOROPEN' },
  ];
  const target: VideoFocusTarget = {
    videoId,
    prepare: async (question, signal): Promise<PreparedVideoTurn> => {
      questions.push({ question, signal });
      if (o.delayMs && clockSleep) await clockSleep(o.delayMs, signal);
      if (o.fail) throw o.fail;
      return {
        kind: 'when',
        evidence: {
          frames: [{ tMs: 40_000, url: `/api/videos/${videoId}/frames/40000.jpg`, role: 'match' }],
          transcript: [{ startMs: 39_000, endMs: 41_000, text: 'the door opens' }],
          ocr: [{ tMs: 40_000, text: 'DOOROPEN' }],
        },
        moments: [{ startMs: 40_000, endMs: 42_000, score: 3, source: 'ocr', text: 'DOOROPEN' }],
        content,
        cite: citeMmSs,
      };
    },
  };
  return {
    target,
    questions,
    content,
    useClock: (f: (ms: number, signal: AbortSignal) => Promise<void>) => (clockSleep = f),
  };
}

/** A watch lane that always has one camera frame and one OCR line. */
function cameraLane(): Partial<AssistantLanes> {
  return {
    watch: {
      frames: () => [frame(1234)],
      ocr: () => [{ ptsMs: 1234, text: 'CAMERA' }],
      latestFrame: () => null,
      stats: () => ({ framesSeen: 1, framesKept: 1, tokensKept: 0, tokensMerged: 0 }) as never,
      setUserSpeaking: () => undefined,
      run: async () => undefined,
    },
  };
}

function setup(script: ScriptedEvent[] = [], reply: string | ((i: number) => string) = ANSWER) {
  const h = makeAssistant({
    llm: {
      reply: (_m, i) => (typeof reply === 'string' ? reply : reply(i)),
      firstOutputDelayMs: 40,
      perItemDelayMs: 5,
    },
    tts: { firstOutputDelayMs: 5 },
    lanes: cameraLane,
    script,
  });
  const answers: VideoAnswerEvent[] = [];
  h.assistant.on('videoAnswer', (e) => answers.push(e));
  return { ...h, answers };
}

describe('video focus: a call asks about an uploaded video', () => {
  it("puts the video's evidence in the person's turn in place of the camera, and cites the heard answer", async () => {
    const h = setup();
    const v = fakeVideo('vid1');
    h.assistant.focusVideo(v.target);
    expect(h.assistant.focusedVideoId).toBe('vid1');
    h.assistant.sendText('when does the door open?');
    await h.runUntil(6000);
    expect(v.questions.map((q) => q.question)).toEqual(['when does the door open?']);
    const user = h.llm.requests[0]?.messages.at(-1);
    expect(user?.role).toBe('user');
    // The video's content, then the person's words; no camera clip, no camera OCR.
    expect(user?.content).toEqual([
      { type: 'text', text: VIDEO_TURN_PREAMBLE },
      ...v.content,
      { type: 'text', text: 'when does the door open?' },
    ]);
    expect(JSON.stringify(h.llm.requests[0]?.messages)).not.toContain('CAMERA');
    expect(finals(h.rec)).toMatchObject([{ turnId: 'turn-1', text: ANSWER, interrupted: false }]);
    expect(h.answers).toEqual([
      {
        turnId: 'turn-1',
        videoId: 'vid1',
        kind: 'when',
        citations: [
          { tMs: 5000, label: '00:05' },
          { tMs: 40_000, label: '00:40' },
        ],
        evidence: expect.objectContaining({ ocr: [{ tMs: 40_000, text: 'DOOROPEN' }] }),
        moments: [expect.objectContaining({ startMs: 40_000 })],
      },
    ]);
  });

  it('a spoken question is asked with its transcript; an interrupted answer cites only what was heard', async () => {
    // Asked 1000–2000; the answer plays from ~2650; the person talks over it from 3650 (interrupt at 4150).
    const h = setup(
      [
        ...spokenTurn('u1', 'what happens in the video?', 1000, 2000),
        { atMs: 3900, event: { type: 'speech-started', ptsMs: 3650, audioStartMs: 3650, atMs: 0 } },
        { atMs: 4400, event: { type: 'speech-stopped', ptsMs: 4200, atMs: 0 } },
        {
          atMs: 4700,
          event: { type: 'end-of-turn', reason: 'silence', turnStartMs: 3650, speechEndMs: 4200, atMs: 0 },
        },
        {
          atMs: 4800,
          event: {
            type: 'transcript',
            utteranceId: 'u2',
            text: 'thanks',
            final: true,
            startMs: 3650,
            endMs: 4200,
            atMs: 0,
          },
        },
      ],
      (i) => (i === 0 ? ANSWER : 'You are welcome.'),
    );
    const v = fakeVideo('vid1');
    h.assistant.focusVideo(v.target);
    void h.assistant.listen(h.silence);
    await h.runUntil(9000);
    const [cut] = finals(h.rec);
    expect(cut).toMatchObject({ turnId: 'turn-1', interrupted: true });
    expect(cut?.text).toContain('00:05');
    expect(cut?.text).not.toContain('00:40');
    expect(v.questions.map((q) => q.question)).toEqual(['what happens in the video?', 'thanks']);
    expect(h.answers.map((a) => [a.turnId, a.citations.map((c) => c.label)])).toEqual([
      ['turn-1', ['00:05']],
      ['turn-2', []],
    ]);
  });

  it('focus cleared: the camera is back and no video_answer follows', async () => {
    const h = setup();
    const v = fakeVideo('vid1');
    h.assistant.focusVideo(v.target);
    h.assistant.focusVideo(null);
    expect(h.assistant.focusedVideoId).toBeNull();
    h.assistant.sendText('what do you see?');
    await h.runUntil(6000);
    expect(v.questions).toEqual([]);
    const user = h.llm.requests[0]?.messages.at(-1);
    expect(user?.content.map((p) => p.type)).toEqual(['video', 'text', 'text']);
    expect(JSON.stringify(user)).toContain('CAMERA');
    expect(h.answers).toEqual([]);
  });

  it('a question that cannot be prepared (video gone) is reported and the turn still answers', async () => {
    const h = setup([], 'Sorry.');
    const v = fakeVideo('vid1', { fail: new SightlineError('ERR_VIDEO_NOT_FOUND') });
    h.assistant.focusVideo(v.target);
    h.assistant.sendText('what happened at 30 seconds?');
    await h.runUntil(4000);
    expect(h.rec.errors.map((e) => e.code)).toEqual(['ERR_VIDEO_NOT_FOUND']);
    expect(finals(h.rec)).toMatchObject([{ turnId: 'turn-1', text: 'Sorry.' }]);
    expect(h.answers).toEqual([]);
  });

  it('a turn superseded while its question is prepared is aborted, unheard, and the next one is answered', async () => {
    const h = setup([], 'Second.');
    const v = fakeVideo('vid1', { delayMs: 1000 });
    v.useClock((ms, signal) => sleep(h.clock, ms, signal));
    h.assistant.focusVideo(v.target);
    h.assistant.sendText('first question');
    await h.runUntil(300);
    h.assistant.sendText('second question');
    await h.runUntil(5000);
    expect(v.questions.map((q) => [q.question, q.signal.aborted])).toEqual([
      ['first question', true],
      ['second question', false],
    ]);
    // Only the second turn reached the model; the history merges the unanswered first question.
    expect(h.llm.requests).toHaveLength(1);
    expect(finals(h.rec)).toMatchObject([{ turnId: 'turn-2', text: 'Second.' }]);
    expect(h.answers.map((a) => a.turnId)).toEqual(['turn-2']);
  });
});
