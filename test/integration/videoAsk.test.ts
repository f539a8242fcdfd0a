import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmolVlmLlm } from '../../models/roles/smolVlmLlm.js';
import { type AskVideoDeps, askVideo } from '../../pipelines/video/ask/answer.js';
import { extractCitations } from '../../pipelines/video/ask/citations.js';
import { openVideoDb, type VideoDb } from '../../server/video/db/open.js';
import { SqliteVideoIndex } from '../../server/video/db/reader.js';
import { DiskVideoFiles } from '../../server/video/files.js';
import { tinyModelDir } from '../helpers/tinyModels.js';
import { fillStationIndex } from '../helpers/videoIndex.js';

let dir: string;
let db: VideoDb;
let llm: SmolVlmLlm;
let deps: AskVideoDeps;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'video-ask-'));
  db = openVideoDb(join(dir, 'index.db'));
  const files = new DiskVideoFiles(dir);
  await fillStationIndex(db, { files });
  llm = await SmolVlmLlm.load(tinyModelDir('smolvlm'));
  deps = {
    reader: new SqliteVideoIndex(db),
    files,
    llm,
    textImage: null,
    frameUrl: (id, tMs) => `/api/videos/${id}/frames/${tMs}`,
    nowMs: () => performance.now(),
    maxNewTokens: 12,
  };
});
afterAll(async () => {
  await llm?.dispose();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('askVideo with the tiny SmolVLM2 (real export contract)', () => {
  it('answers "what happened at 30 seconds" from 16 decoded frames, greedily, the same twice', async () => {
    const a = await askVideo(deps, 'station', { question: 'What happened at 30 seconds?' });
    expect(a.evidence.frames).toHaveLength(16);
    expect(a.evidence.ocr.map((o) => o.text)).toContain('PLATFORM9CLOSED');
    expect(a.evidence.transcript.map((s) => s.startMs)).toEqual([31_000]);
    expect(a.answer.length).toBeGreaterThan(0);
    expect(a.citations).toEqual(extractCitations(a.answer, 60_000));
    expect(a.timings.llmMs).toBeGreaterThan(0);
    const b = await askVideo(deps, 'station', { question: 'What happened at 30 seconds?' });
    expect(b.answer).toBe(a.answer);
    expect(b.evidence).toEqual(a.evidence);
  });
});
