import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmContent, LlmMessage } from '../../../models/roles/llm.js';
import { FakeLlm } from '../../../pipelines/testing/fakes/fakeLlm.js';
import {
  type AskVideoDeps,
  askVideo,
  finishVideoAnswer,
  prepareVideoQuestion,
} from '../../../pipelines/video/ask/answer.js';
import { SightlineError } from '../../../protocol/errors.js';
import { openVideoDb, type VideoDb } from '../../../server/video/db/open.js';
import { SqliteVideoIndex } from '../../../server/video/db/reader.js';
import { DiskVideoFiles } from '../../../server/video/files.js';
import { fillStationIndex } from '../../helpers/videoIndex.js';

let dir: string;
let db: VideoDb;
let files: DiskVideoFiles;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ask-'));
  db = openVideoDb(join(dir, 'index.db'));
  files = new DiskVideoFiles(dir);
  await fillStationIndex(db, { files });
  await fillStationIndex(db, { videoId: 'half', status: 'ingesting' });
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const userText = (messages: LlmMessage[]) =>
  (messages[1]?.content ?? []).flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n');

/** Cites what the prompt shows: the time of the last on-screen text line and of the first transcript line. */
function citingLlm(): FakeLlm {
  return new FakeLlm({
    reply: (messages) => {
      const text = userText(messages);
      const ocr = [...text.matchAll(/Text on screen at (\d\d:\d\d): (\S+)/g)].at(-1);
      const said = /\[(\d\d:\d\d)–\d\d:\d\d\] ([^\n]+)/.exec(text);
      return `At ${ocr?.[1]} the sign reads ${ocr?.[2]}; at ${said?.[1]} someone says "${said?.[2]}". Not at 09:59.`;
    },
  });
}

function deps(llm = citingLlm(), times?: number[]): AskVideoDeps & { llm: FakeLlm } {
  let i = 0;
  return {
    reader: new SqliteVideoIndex(db),
    files,
    llm,
    textImage: null,
    frameUrl: (id, tMs) => `/api/videos/${id}/frames/${tMs}.jpg`,
    nowMs: () => (times ? (times[i++] ?? 0) : 0),
  } as AskVideoDeps & { llm: FakeLlm };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof SightlineError ? e.code : String(e);
  }
  return 'resolved';
}

describe('askVideo', () => {
  it('"what happened at 30 seconds": the window evidence, citations parsed from the answer, timings', async () => {
    const d = deps(citingLlm(), [100, 130, 150, 400]);
    const r = await askVideo(d, 'station', { question: 'What happened at 30 seconds?' });
    expect(r).toMatchObject({
      videoId: 'station',
      question: 'What happened at 30 seconds?',
      kind: 'time',
      window: { startMs: 25_000, endMs: 35_000 },
      moments: [],
      chapters: [],
      timings: { retrievalMs: 30, llmMs: 250 },
    });
    expect(r.answer).toBe(
      'At 00:30 the sign reads PLATFORM9CLOSED; at 00:31 someone says "Platform nine is closed for repairs today.". Not at 09:59.',
    );
    expect(r.citations).toEqual([
      { tMs: 30_000, label: '00:30' },
      { tMs: 31_000, label: '00:31' },
    ]);
    expect(r.evidence.ocr.map((o) => o.text)).toContain('PLATFORM9CLOSED');
    expect(r.evidence.transcript).toEqual([
      { startMs: 31_000, endMs: 33_800, text: 'Platform nine is closed for repairs today.' },
    ]);
    for (const f of r.evidence.frames) {
      expect(f.url).toBe(`/api/videos/station/frames/${f.tMs}.jpg`);
      if (f.role !== 'sparse') expect(f.tMs >= 25_000 && f.tMs < 35_000).toBe(true);
    }
    expect(r.evidence.frames).toHaveLength(16);

    const [request] = d.llm.requests;
    expect(request!.options).toMatchObject({ temperature: 0, maxNewTokens: 256 });
    const system = request!.messages[0]!.content[0] as { text: string };
    expect(system.text).toMatch(/mm:ss/);
    expect(system.text).toMatch(/does not show/);
    // The frames went to the model as ONE video part, each at its true time, decoded from its JPEG.
    const videos = request!.messages[1]!.content.filter((p) => p.type === 'video');
    expect(videos).toHaveLength(1);
    const frames = (videos[0] as Extract<LlmContent, { type: 'video' }>).frames;
    expect(frames.map((f) => f.ptsMs)).toEqual(r.evidence.frames.map((f) => f.tMs));
    const at30 = frames.find((f) => f.ptsMs === 30_000)!;
    expect([at30.width, at30.height, at30.rgb.length]).toEqual([512, 288, 512 * 288 * 3]);
    const [red, green, blue] = at30.rgb;
    // The platform scene is pink (FFB6C1); JPEG moves a colour a little.
    expect(Math.abs(red! - 0xff) + Math.abs(green! - 0xb6) + Math.abs(blue! - 0xc1)).toBeLessThan(12);
    const text = userText(request!.messages);
    expect(text).toContain('[00:31–00:33] Platform nine is closed for repairs today.');
    expect(text).toContain('Text on screen at 00:30: PLATFORM9CLOSED');
    expect(text).toContain('The question is about 00:25–00:35.');
    expect(text.trimEnd().endsWith('Question: What happened at 30 seconds?')).toBe(true);
  });

  it('structured t wins over the words', async () => {
    const r = await askVideo(deps(), 'station', { question: 'what is on screen at the start?', t: '0:45' });
    expect(r.window).toEqual({ startMs: 40_000, endMs: 50_000 });
    expect(r.evidence.ocr.map((o) => o.text)).toEqual(['THEDOOROPENSNOW']);
    expect(r.citations.map((c) => c.label)).toEqual(['00:45', '00:42']);
  });

  it('"when does the door open": moments best first, match frames there', async () => {
    const r = await askVideo(deps(), 'station', { question: 'When does the door open?' });
    expect(r.kind).toBe('when');
    expect(r.moments[0]!.startMs).toBeGreaterThanOrEqual(40_000);
    expect(r.moments[0]!.endMs).toBeLessThanOrEqual(50_000);
    const match = r.evidence.frames.filter((f) => f.role === 'match');
    expect(match.length).toBeGreaterThan(0);
    expect(match.every((f) => f.tMs >= 39_000 && f.tMs <= 51_000)).toBe(true);
    expect(r.citations[0]!.tMs).toBeGreaterThanOrEqual(40_000);
  });

  it('a summary returns the chapters', async () => {
    const r = await askVideo(
      deps(new FakeLlm({ reply: 'Six scenes: 00:00 welcome … 00:50 thanks.' })),
      'station',
      {
        question: 'summarise it with chapters',
      },
    );
    expect(r.kind).toBe('summary');
    expect(r.chapters.map((c) => c.startMs)).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(r.citations.map((c) => c.tMs)).toEqual([0, 50_000]);
  });

  it('a video not ready, or not there, never reaches the model', async () => {
    const d = deps();
    expect(await codeOf(askVideo(d, 'half', { question: 'what happened at 30 seconds?' }))).toBe(
      'ERR_VIDEO_NOT_READY',
    );
    expect(await codeOf(askVideo(d, 'nope', { question: 'what happened?' }))).toBe('ERR_VIDEO_NOT_FOUND');
    expect(await codeOf(askVideo(d, 'station', { question: '   ' }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(askVideo(d, 'station', { question: 'x', t: -3 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(d.llm.requests).toHaveLength(0);
  });

  it('an abort rejects with ERR_ABORTED', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await codeOf(askVideo(deps(), 'station', { question: 'at 0:30' }, ac.signal))).toBe('ERR_ABORTED');
    const mid = new AbortController();
    // Aborted while the model answers (the fake aborts as it receives the request).
    const llm = new FakeLlm({
      reply: () => {
        mid.abort();
        return 'one two three four';
      },
      perItemDelayMs: 5,
    });
    expect(await codeOf(askVideo(deps(llm), 'station', { question: 'at 0:30' }, mid.signal))).toBe(
      'ERR_ABORTED',
    );
    expect(llm.requests).toHaveLength(1);
  });

  it('prepareVideoQuestion gives the dialog the same evidence and content; finishVideoAnswer cites', async () => {
    const d = deps();
    const prepared = await prepareVideoQuestion(d, 'station', 'what happened at 30 seconds?');
    const r = await askVideo(d, 'station', { question: 'what happened at 30 seconds?' });
    expect(prepared.wireEvidence).toEqual(r.evidence);
    expect(prepared.messages[1]!.content.slice(0, -1)).toEqual(prepared.content);
    expect(prepared.content.filter((p) => p.type === 'video')).toHaveLength(1);
    expect(finishVideoAnswer(prepared, 'It is at 0:31 and at 2:00.').citations).toEqual([
      { tMs: 31_000, label: '00:31' },
    ]);
  });

  it('a frame whose file is gone is neither shown nor reported', async () => {
    rmSync(files.frame('station', 30_000));
    const r = await askVideo(deps(), 'station', { question: 'at 0:30' });
    expect(r.evidence.frames.map((f) => f.tMs)).not.toContain(30_000);
    expect(r.evidence.frames.map((f) => f.tMs)).toContain(31_000);
  });
});

describe('prepareVideoQuestion with saved visual tokens', () => {
  it('attaches the tokens frameTokens has to their frames; the others go as images', async () => {
    const tokens = {
      encoder: 'enc',
      rows: new Float32Array(4),
      hidden: 2,
      positions: new Uint16Array([0, 3]),
      tokensPerFrame: 4,
    };
    const asked: number[][] = [];
    const prepared = await prepareVideoQuestion(
      {
        ...deps(),
        frameTokens: async (_id, tMs) => {
          asked.push([...tMs]);
          return new Map([[31_000, tokens]]);
        },
      },
      'station',
      'at 0:31',
    );
    expect(asked).toEqual([prepared.images.map((i) => i.ptsMs)]);
    const video = prepared.content.find((p) => p.type === 'video') as Extract<LlmContent, { type: 'video' }>;
    expect(video.frames.find((f) => f.ptsMs === 31_000)!.tokens).toBe(tokens);
    expect(video.frames.filter((f) => f.tokens)).toHaveLength(1);
  });
});
