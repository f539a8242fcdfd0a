import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AskResponse, IngestProgress, VideoInfo } from '../../protocol/video.js';
import type { SightlineServer } from '../../server/app.js';
import { startTestServer } from '../helpers/server.js';
import { tinyModelSetDir } from '../helpers/tinyModels.js';
import { tokenFor, tusUpload } from '../helpers/tusUpload.js';
import { STATION_SCENES, stationSpeechTimes, stationVideo } from '../helpers/videos.js';

/**
 * The whole video path on a real server: tus upload of the 60 s station video
 * (ffmpeg-drawn scenes with known on-screen words, espeak-ng speech at known
 * times), ingest with the tiny models and the real PP-OCR, then questions over
 * HTTP. The tiny LLM's answer is noise; the evidence is what is checked, by the
 * script's times and words.
 */
describe('uploaded video Q&A over HTTP', () => {
  let server: SightlineServer;
  let dataDir: string;
  let token: string;
  let videoId: string;
  const progress: IngestProgress[] = [];

  async function api<T>(
    path: string,
    init: RequestInit = {},
    as = token,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${as}`, 'content-type': 'application/json', ...init.headers },
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async function ask(body: Record<string, unknown>): Promise<AskResponse> {
    const r = await api<AskResponse>(`/api/videos/${videoId}/ask`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  }

  /** Reads the SSE stream until it ends (ready/failed/cancelled), collecting progress events. */
  async function followEvents(): Promise<void> {
    const res = await fetch(`${server.url}/api/videos/${videoId}/events`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let cut = buffer.indexOf('\n\n');
      while (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('\n');
        if (data) progress.push(JSON.parse(data) as IngestProgress);
        cut = buffer.indexOf('\n\n');
      }
    }
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sightline-video-'));
    server = await startTestServer({ SIGHTLINE_MODELS_DIR: tinyModelSetDir(), SIGHTLINE_DATA_DIR: dataDir });
    token = await tokenFor(server.url, 'alice');
    videoId = await tusUpload({ baseUrl: server.url, token, path: stationVideo(), filename: 'station.mp4' });
    await followEvents();
  }, 600_000);

  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ingests to ready, with progress through every stage ending at 100 %', async () => {
    const info = await api<VideoInfo>(`/api/videos/${videoId}`);
    expect(info.body.status).toBe('ready');
    expect(info.body.durationMs).toBeGreaterThan(59_000);
    expect(info.body.durationMs).toBeLessThan(61_000);
    const last = progress.at(-1) as IngestProgress;
    expect(last.status).toBe('ready');
    expect(last.percent).toBe(100);
    const percents = progress.map((p) => p.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    const stages = new Set(progress.map((p) => p.stage));
    for (const s of ['frames', 'audio', 'features', 'ocr']) expect(stages.has(s as never), s).toBe(true);
  });

  it('"what happened at 30 seconds" gives evidence of that window: its frames, its on-screen text, its speech', async () => {
    const r = await ask({ question: 'What happened at 30 seconds?' });
    expect(r.kind).toBe('time');
    expect(r.window).not.toBeNull();
    const w = r.window as { startMs: number; endMs: number };
    expect(w.startMs).toBeLessThanOrEqual(30_000);
    expect(w.endMs).toBeGreaterThanOrEqual(30_000);
    const dense = r.evidence.frames.filter((f) => f.role === 'dense');
    expect(dense.length).toBeGreaterThan(0);
    for (const f of dense) {
      expect(f.tMs).toBeGreaterThanOrEqual(w.startMs);
      expect(f.tMs).toBeLessThanOrEqual(w.endMs);
    }
    // The sparse spread covers the video beyond the window.
    expect(r.evidence.frames.some((f) => f.role === 'sparse' && (f.tMs < w.startMs || f.tMs > w.endMs))).toBe(
      true,
    );
    // On screen from 30 s: PLATFORM 9 CLOSED (PP-OCR may drop the spaces).
    const ocr = r.evidence.ocr.map((o) => o.text.toUpperCase().replace(/\s+/g, ''));
    expect(ocr.some((t) => t.includes('PLATFORM'))).toBe(true);
    // The speech of that window is the phrase spoken from 31 s (by its times; the tiny STT's words are noise).
    const spoken = stationSpeechTimes()[2] as { atMs: number; endMs: number };
    expect(
      r.evidence.transcript.some((s) => s.startMs < spoken.endMs + 500 && s.endMs > spoken.atMs - 500),
      JSON.stringify(r.evidence.transcript),
    ).toBe(true);
    for (const s of r.evidence.transcript) expect(s.endMs > w.startMs && s.startMs < w.endMs).toBe(true);
    // Each evidence frame can be fetched.
    const frame = r.evidence.frames[0] as { url: string };
    const img = await fetch(new URL(frame.url, server.url), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/jpeg');
  });

  it('structured t and range fields are honoured', async () => {
    const atT = await ask({ question: 'What is on screen here?', t: 45 });
    expect(atT.window?.startMs).toBeLessThanOrEqual(45_000);
    expect(atT.window?.endMs).toBeGreaterThanOrEqual(45_000);
    const inRange = await ask({ question: 'What is shown?', range: ['0:20', '0:40'] });
    expect(inRange.kind).toBe('range');
    expect(inRange.window).toEqual({ startMs: 20_000, endMs: 40_000 });
    for (const f of inRange.evidence.frames.filter((x) => x.role === 'dense')) {
      expect(f.tMs).toBeGreaterThanOrEqual(20_000);
      expect(f.tMs).toBeLessThanOrEqual(40_000);
    }
  });

  it('"when is platform 9 closed" finds the scene by its on-screen words (spaces dropped by OCR)', async () => {
    const r = await ask({ question: 'When is platform 9 closed?' });
    expect(r.kind).toBe('when');
    const scene = STATION_SCENES[3] as { startMs: number; endMs: number };
    const top = r.moments[0];
    expect(top, JSON.stringify(r.moments)).toBeDefined();
    expect(top?.startMs).toBeGreaterThanOrEqual(scene.startMs - 1000);
    expect(top?.startMs).toBeLessThan(scene.endMs);
  });

  it('"when does the door open" finds the door scene', async () => {
    const r = await ask({ question: 'When does the door open?' });
    const scene = STATION_SCENES[4] as { startMs: number; endMs: number };
    expect(r.moments[0]?.startMs).toBeGreaterThanOrEqual(scene.startMs - 1000);
    expect(r.moments[0]?.startMs).toBeLessThan(scene.endMs);
  });

  it('summary returns chapters with timestamps across the video', async () => {
    const r = await ask({ question: 'Summarise it with chapters' });
    expect(r.kind).toBe('summary');
    expect(r.chapters.length).toBeGreaterThanOrEqual(3);
    expect(r.chapters[0]?.startMs).toBe(0);
    for (const c of r.chapters) expect(c.endMs).toBeGreaterThan(c.startMs);
  });

  it('asking twice returns the same evidence (the index is stable)', async () => {
    const a = await ask({ question: 'What happened at 30 seconds?' });
    const b = await ask({ question: 'What happened at 30 seconds?' });
    expect(b.evidence).toEqual(a.evidence);
  });

  it("nobody else lists or asks about alice's video", async () => {
    const bob = await tokenFor(server.url, 'bob');
    expect((await api<{ videos: VideoInfo[] }>('/api/videos', {}, bob)).body.videos).toEqual([]);
    expect((await api<{ videos: VideoInfo[] }>('/api/videos')).body.videos.map((v) => v.id)).toEqual([
      videoId,
    ]);
    const get = await api<{ error: { code: string } }>(`/api/videos/${videoId}`, {}, bob);
    expect(get.status).toBe(404);
    expect(get.body.error.code).toBe('ERR_VIDEO_NOT_FOUND');
    const asked = await api<{ error: { code: string } }>(
      `/api/videos/${videoId}/ask`,
      { method: 'POST', body: JSON.stringify({ question: 'what happened at 30 seconds' }) },
      bob,
    );
    expect(asked.status).toBe(404);
    const del = await api(`/api/videos/${videoId}`, { method: 'DELETE' }, bob);
    expect(del.status).toBe(404);
    expect((await api<VideoInfo>(`/api/videos/${videoId}`)).body.status).toBe('ready');
  });

  it('a bad question body gets a typed 400 and the server stays up', async () => {
    const r = await api<{ error: { code: string } }>(`/api/videos/${videoId}/ask`, {
      method: 'POST',
      body: '{"question": 42}',
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('ERR_INVALID_ARGUMENT');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
