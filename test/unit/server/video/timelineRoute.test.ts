import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoIndexReader } from '../../../../pipelines/video/types.js';
import { SightlineError } from '../../../../protocol/errors.js';
import type { VideoTimeline } from '../../../../protocol/timeline.js';
import type { VideoInfo } from '../../../../protocol/video.js';
import { TokenIssuer } from '../../../../server/auth/token.js';
import type { AppContext } from '../../../../server/context.js';
import { timelineHandler } from '../../../../server/video/timelineRoute.js';
import type { VideoService } from '../../../../server/video/types.js';

const video = (id: string, status: VideoInfo['status']): VideoInfo =>
  ({ id, name: `${id}.mp4`, status, durationMs: 60_000 }) as VideoInfo;

/** A service whose reader holds one 3-frame video for alice (v1), one still ingesting (v2), one of bob's (v3). */
function app(tokens: TokenIssuer): AppContext {
  const rows = [
    { owner: 'sid:alice', v: video('v1', 'ready') },
    { owner: 'sid:alice', v: video('v2', 'ingesting') },
    { owner: 'sid:bob', v: video('v3', 'ready') },
  ];
  const reader = {
    frames: () => [
      { tMs: 0, scene: true, sceneScore: 1, kept: true, changedShare: 1 },
      { tMs: 1000, scene: false, sceneScore: 0, kept: false, changedShare: 0.1 },
      { tMs: 30_000, scene: true, sceneScore: 0.8, kept: true, changedShare: 0.9 },
    ],
    segments: () => [{ startMs: 31_000, endMs: 33_500, text: 'platform nine is closed' }],
    ocr: () => [{ tMs: 30_000, text: 'PLATFORM9CLOSED', confidence: 0.9 }],
    chapters: () => [{ startMs: 30_000, endMs: 40_000, title: 'Platform closed' }],
  } as unknown as VideoIndexReader;
  const videos = {
    reader,
    get: (owner: string, id: string) => {
      const row = rows.find((r) => r.owner === owner && r.v.id === id);
      if (!row) throw new SightlineError('ERR_VIDEO_NOT_FOUND');
      return row.v;
    },
  } as unknown as VideoService;
  return { tokens, videos } as unknown as AppContext;
}

describe('GET /api/videos/:id/timeline', () => {
  const tokens = new TokenIssuer(Buffer.alloc(32, 7), 60_000);
  let server: Server;
  let base = '';
  beforeAll(async () => {
    const ctx = app(tokens);
    server = createServer((req, res) => {
      const id = new URL(req.url ?? '/', 'http://x').pathname.split('/')[3] ?? '';
      void timelineHandler(ctx, req, res, id);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  // Owner = the token's user, else `sid:` + its session: a token issued for session 'alice' is sid:alice's.
  async function get(id: string, token: string | null, how: 'header' | 'query' = 'header') {
    const url = `${base}/api/videos/${id}/timeline${token && how === 'query' ? `?access_token=${token}` : ''}`;
    const res = await fetch(
      url,
      how === 'header' && token ? { headers: { authorization: `Bearer ${token}` } } : {},
    );
    return { status: res.status, body: (await res.json()) as VideoTimeline & { error?: { code: string } } };
  }

  it("returns the owner's ready video: frames with token-carrying URLs, transcript, OCR, chapters", async () => {
    const token = tokens.issue('alice').token;
    for (const how of ['header', 'query'] as const) {
      const { status, body } = await get('v1', token, how);
      expect(status).toBe(200);
      expect(body.frames.map((f) => [f.tMs, f.kept, f.scene])).toEqual([
        [0, true, true],
        [1000, false, false],
        [30_000, true, true],
      ]);
      expect(body.frames[2]?.thumbUrl).toBe(`/api/videos/v1/thumbs/30000.jpg?access_token=${token}`);
      expect(body.mediaUrl).toBe(`/api/videos/v1/media?access_token=${token}`);
      expect(body.ocr).toEqual([{ tMs: 30_000, text: 'PLATFORM9CLOSED' }]);
      expect(body.transcript).toEqual([{ startMs: 31_000, endMs: 33_500, text: 'platform nine is closed' }]);
      expect(body.chapters).toHaveLength(1);
      expect(body.durationMs).toBe(60_000);
    }
  });

  it('401 without a valid token, 404 for a foreign or missing id, 409 while not ready', async () => {
    const token = tokens.issue('alice').token;
    expect((await get('v1', null)).status).toBe(401);
    expect((await get('v1', `${token}x`)).body.error?.code).toBe('ERR_UNAUTHORIZED');
    const foreign = await get('v3', token);
    expect([foreign.status, foreign.body.error?.code]).toEqual([404, 'ERR_VIDEO_NOT_FOUND']);
    expect((await get('nope', token)).status).toBe(404);
    const notReady = await get('v2', token);
    expect([notReady.status, notReady.body.error?.code]).toEqual([409, 'ERR_VIDEO_NOT_READY']);
  });
});
