import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Upload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IngestProgress, VIDEO_STAGES, type VideoInfo } from '../../protocol/video.js';
import type { SightlineServer } from '../../server/app.js';
import { type CapturedLog, captureLog, startTestServer, waitFor } from '../helpers/server.js';
import { tinyModelSetDir } from '../helpers/tinyModels.js';
import { badVideos, shortVideo, stationVideo } from '../helpers/videos.js';

/**
 * From upload to `ready` on the real server with the tiny models (real
 * ffmpeg, real SQLite): the progress stream, a bad file failing with its code
 * and nothing left but the row, and a server restarted mid-ingest resuming it.
 */

let server: SightlineServer;
let dataDir: string;
let logs: CapturedLog;
const env = () => ({ SIGHTLINE_DATA_DIR: dataDir, SIGHTLINE_MODELS_DIR: tinyModelSetDir() });

async function tokenFor(user: string): Promise<string> {
  const res = await fetch(`${server.url}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  return ((await res.json()) as { token: string }).token;
}

function tusUpload(token: string, file: string, name: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const upload = new Upload(createReadStream(file) as never, {
      endpoint: `${server.url}/api/videos`,
      headers: { authorization: `Bearer ${token}` },
      metadata: { filename: name },
      retryDelays: null,
      onError: reject,
      onSuccess: () => resolve((upload.url as string).split('/').pop() as string),
    });
    upload.start();
  });
}

/** Reads the SSE stream to its end; returns every progress event. */
async function followProgress(token: string, videoId: string): Promise<IngestProgress[]> {
  const res = await fetch(`${server.url}/api/videos/${videoId}/events`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: progress'))
    .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as IngestProgress);
}

async function getVideo(token: string, id: string): Promise<VideoInfo> {
  const res = await fetch(`${server.url}/api/videos/${id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as VideoInfo;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sightline-ingest-'));
  logs = captureLog('info');
  server = await startTestServer(env(), { log: logs.log });
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('upload → ingest → ready', () => {
  it('progress streams stage by stage to 100 % and ready; GET shows the probe facts, stored bytes and a thumbnail', async () => {
    const token = await tokenFor('ana-ready');
    const id = await tusUpload(token, shortVideo(), 'short.mp4');
    const events = await followProgress(token, id);
    const last = events.at(-1) as IngestProgress;
    expect(last).toMatchObject({ videoId: id, status: 'ready', percent: 100, error: null });
    const percents = events.map((e) => e.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    const stages = events.flatMap((e) => (e.stage ? [e.stage] : []));
    const order = stages.map((s) => VIDEO_STAGES.indexOf(s));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(stages).size).toBeGreaterThanOrEqual(3);
    const info = await getVideo(token, id);
    expect(info).toMatchObject({ status: 'ready', percent: 100, name: 'short.mp4', hasVideo: true });
    expect(info.durationMs).toBeGreaterThan(5_500);
    expect(info.durationMs).toBeLessThan(6_500);
    expect(info.storedBytes).toBeGreaterThanOrEqual(info.sizeBytes);
    expect(info.readyAtMs).not.toBeNull();
    const thumb = await fetch(`${server.url}${info.thumbnailUrl}`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    const media = await fetch(
      `${server.url}/api/videos/${id}/media?access_token=${encodeURIComponent(token)}`,
      {
        headers: { range: 'bytes=0-15' },
      },
    );
    expect(media.status).toBe(206);
    expect(media.headers.get('content-type')).toBe('video/mp4');
    // A stream opened after the end says so at once.
    expect((await followProgress(token, id)).map((e) => e.status)).toEqual(['ready']);

    const ask = await fetch(`${server.url}/api/videos/${id}/ask`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'what happened at 3 seconds?', t: 3 }),
    });
    expect(ask.status).toBe(200);
    const answer = (await ask.json()) as {
      answer: string;
      evidence: { frames: { tMs: number; url: string }[] };
    };
    expect(typeof answer.answer).toBe('string');
    expect(answer.evidence.frames.length).toBeGreaterThan(0);
    for (const f of answer.evidence.frames) {
      expect(f.tMs).toBeGreaterThanOrEqual(0);
      expect(f.tMs).toBeLessThanOrEqual(6_000);
    }
    const frame = answer.evidence.frames[0] as { url: string };
    const img = await fetch(`${server.url}${frame.url}?access_token=${encodeURIComponent(token)}`);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/jpeg');
  }, 120_000);

  it('a text file named .mp4 fails at probe with ERR_VIDEO_UNREADABLE: the row says why, the files are gone, the server is up', async () => {
    const token = await tokenFor('ben-text');
    const id = await tusUpload(token, badVideos().textAsMp4, 'notes.mp4');
    const events = await followProgress(token, id);
    expect(events.at(-1)).toMatchObject({ status: 'failed', error: { code: 'ERR_VIDEO_UNREADABLE' } });
    const info = await getVideo(token, id);
    expect(info).toMatchObject({ status: 'failed', storedBytes: 0, error: { code: 'ERR_VIDEO_UNREADABLE' } });
    // The files go right after the failure is recorded.
    await waitFor(
      () => !existsSync(server.app.videos.files.dir(id)),
      10_000,
      "the failed video's files to go",
    );
    const ask = await fetch(`${server.url}/api/videos/${id}/ask`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'what is it?' }),
    });
    expect(ask.status).toBe(409);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 120_000);

  it('a server closed mid-ingest resumes it at the next start; until ready, questions get ERR_VIDEO_NOT_READY', async () => {
    const token = await tokenFor('cai-restart');
    const id = await tusUpload(token, shortVideo(), 'restart.mp4');
    await waitFor(
      () => server.app.videos.catalog.info(id)?.status === 'ingesting',
      60_000,
      'the ingest to start',
    );
    await server.close();
    server = await startTestServer(env(), { log: logs.log });
    const token2 = await tokenFor('cai-restart');
    const first = await getVideo(token2, id);
    if (first.status !== 'ready') {
      const early = await fetch(`${server.url}/api/videos/${id}/ask`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token2}`, 'content-type': 'application/json' },
        body: JSON.stringify({ question: 'what happened at 1 second?' }),
      });
      expect(early.status).toBe(409);
      expect(((await early.json()) as { error: { code: string } }).error.code).toBe('ERR_VIDEO_NOT_READY');
    }
    const events = await followProgress(token2, id);
    expect(events.at(-1)).toMatchObject({ status: 'ready', percent: 100 });
    expect(logs.at('info', 'resuming unfinished ingests').length).toBeGreaterThan(0);
  }, 180_000);

  it('cancel stops a running ingest: the row stays cancelled, its files go, the stream ends, questions are refused', async () => {
    const token = await tokenFor('dee-cancel');
    const id = await tusUpload(token, stationVideo(), 'cancel.mp4');
    await waitFor(
      () => server.app.videos.catalog.info(id)?.status === 'ingesting',
      60_000,
      'the ingest to start',
    );
    const stream = followProgress(token, id);
    const post = (path: string) =>
      fetch(`${server.url}/api/videos/${id}/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: path === 'ask' ? JSON.stringify({ question: 'what happened at 30 seconds?' }) : '{}',
      });
    const cancelled = await post('cancel');
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as VideoInfo).status).toBe('cancelled');
    expect((await stream).at(-1)?.status).toBe('cancelled');
    expect((await getVideo(token, id)).status).toBe('cancelled');
    expect(existsSync(join(dataDir, 'videos', id))).toBe(false);
    expect((await post('ask')).status).toBe(409);
    const again = await post('cancel');
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('ERR_INVALID_STATE');
    // Someone else cannot cancel it either (nor learn that it exists).
    const other = await fetch(`${server.url}/api/videos/${id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenFor('eve')}` },
    });
    expect(other.status).toBe(404);
  }, 180_000);
});
