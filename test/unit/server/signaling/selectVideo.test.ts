import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ManualClock } from '../../../../core/clock.js';
import { silentLogger } from '../../../../core/log.js';
import { SightlineError } from '../../../../protocol/errors.js';
import type { IngestProgress, VideoInfo } from '../../../../protocol/video.js';
import { ownerOf } from '../../../../server/auth/token.js';
import type { Call } from '../../../../server/call/call.js';
import { loadConfig } from '../../../../server/config.js';
import type { AppContext } from '../../../../server/context.js';
import { ServerMetrics } from '../../../../server/metrics.js';
import { SignalingConnection } from '../../../../server/signaling/connection.js';
import { selectVideo } from '../../../../server/signaling/handlers/selectVideo.js';
import type { ConnectionHandle, HandlerContext } from '../../../../server/signaling/handlers/types.js';
import type { VideoService } from '../../../../server/video/types.js';
import { RecordingAssistant } from '../../../helpers/recordingAssistant.js';

function info(id: string, status: VideoInfo['status']): VideoInfo {
  return {
    id,
    name: `${id}.mp4`,
    status,
    stage: status === 'ready' ? 'index' : 'frames',
    percent: status === 'ready' ? 100 : 40,
    sizeBytes: 1000,
    storedBytes: 2000,
    durationMs: 60_000,
    width: 640,
    height: 360,
    hasAudio: true,
    hasVideo: true,
    createdAtMs: 1,
    readyAtMs: status === 'ready' ? 2 : null,
    error: null,
    thumbnailUrl: null,
  };
}

/** A video service over a table of (owner, video); records prepared questions; a progress bus. */
function fakeVideos(rows: { owner: string; video: VideoInfo }[]) {
  const prepared: { owner: string; videoId: string; question: string }[] = [];
  const listeners = new Set<(p: IngestProgress) => void>();
  const get = (owner: string, videoId: string) => {
    const row = rows.find((r) => r.owner === owner && r.video.id === videoId);
    if (!row) throw new SightlineError('ERR_VIDEO_NOT_FOUND');
    return row.video;
  };
  const service = {
    get,
    progress: {
      publish: (p: IngestProgress) => {
        for (const l of listeners) l(p);
      },
      subscribe: (id: string, l: (p: IngestProgress) => void) => {
        expect(id).toBe('*');
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    prepareQuestion: async (owner: string, videoId: string, question: string) => {
      get(owner, videoId);
      prepared.push({ owner, videoId, question });
      return {
        kind: 'general' as const,
        evidence: { frames: [], transcript: [], ocr: [] },
        moments: [],
        content: [],
        cite: () => [],
      };
    },
  } as unknown as VideoService;
  return { service, prepared, listeners };
}

function ctxFor(owner: string | null, videos: VideoService | undefined) {
  const assistant = new RecordingAssistant();
  const call = { closed: false, assistant } as unknown as Call;
  const conn = { id: 'c1', call, owner } as unknown as ConnectionHandle;
  const app = { videos } as unknown as AppContext;
  const ctx: HandlerContext = { app, conn, signal: new AbortController().signal };
  return { ctx, assistant };
}

describe('selectVideo', () => {
  const rows = [
    { owner: 'alice', video: info('v1', 'ready') },
    { owner: 'alice', video: info('v2', 'ingesting') },
    { owner: 'bob', video: info('v3', 'ready') },
  ];

  it("focuses the assistant on the owner's ready video; its questions are prepared for that owner", async () => {
    const v = fakeVideos(rows);
    const { ctx, assistant } = ctxFor('alice', v.service);
    await expect(selectVideo(ctx, { videoId: 'v1' })).resolves.toEqual({ video: rows[0]?.video });
    const target = assistant.focuses.at(-1);
    expect(target?.videoId).toBe('v1');
    await target?.prepare('what happened at 30 seconds?', new AbortController().signal);
    expect(v.prepared).toEqual([{ owner: 'alice', videoId: 'v1', question: 'what happened at 30 seconds?' }]);
    await expect(selectVideo(ctx, { videoId: null })).resolves.toEqual({ video: null });
    expect(assistant.focuses.at(-1)).toBeNull();
  });

  it.each([
    ['a foreign video', 'v3', 'ERR_VIDEO_NOT_FOUND'],
    ['a missing video', 'nope', 'ERR_VIDEO_NOT_FOUND'],
    ['a video still ingesting', 'v2', 'ERR_VIDEO_NOT_READY'],
  ])('refuses %s with %s and leaves the focus alone', async (_what, videoId, code) => {
    const { ctx, assistant } = ctxFor('alice', fakeVideos(rows).service);
    await expect(selectVideo(ctx, { videoId })).rejects.toMatchObject({ code });
    expect(assistant.focuses).toEqual([]);
  });

  it('a server without video Q&A reads every id as not found', async () => {
    const { ctx } = ctxFor('alice', undefined);
    await expect(selectVideo(ctx, { videoId: 'v1' })).rejects.toMatchObject({ code: 'ERR_VIDEO_NOT_FOUND' });
  });

  it("owner is the token's user, else its session", () => {
    expect(ownerOf({ sid: 's1', exp: 1, user: 'alice' })).toBe('alice');
    expect(ownerOf({ sid: 's1', exp: 1 })).toBe('sid:s1');
  });
});

/** Just enough of a `ws` socket for a SignalingConnection: records what is sent. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  readonly sent: { event?: string; data?: unknown }[] = [];
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  ping(): void {}
  terminate(): void {
    this.readyState = 3;
    this.emit('close');
  }
}

describe('video_progress over the call socket', () => {
  it("pushes only the owner's videos, and stops when the socket goes", () => {
    const v = fakeVideos([
      { owner: 'alice', video: info('v1', 'ingesting') },
      { owner: 'bob', video: info('v3', 'ingesting') },
    ]);
    const config = loadConfig({});
    const app = {
      config,
      clock: new ManualClock(0),
      log: silentLogger,
      metrics: new ServerMetrics(),
      videos: v.service,
    } as unknown as AppContext;
    const ws = new FakeSocket();
    const conn = new SignalingConnection(ws as unknown as WebSocket, app);
    conn.setOwner('alice');
    const progress = (videoId: string, percent: number): IngestProgress => ({
      videoId,
      status: 'ingesting',
      stage: 'audio',
      stagePercent: 10,
      percent,
      error: null,
    });
    v.service.progress.publish(progress('v1', 30));
    v.service.progress.publish(progress('v3', 31));
    v.service.progress.publish(progress('gone', 32));
    expect(ws.sent.filter((m) => m.event === 'video_progress').map((m) => m.data)).toEqual([
      progress('v1', 30),
    ]);
    // A second join on the same socket (another token) replaces the subscription.
    conn.setOwner('bob');
    expect(v.listeners.size).toBe(1);
    v.service.progress.publish(progress('v3', 40));
    expect(ws.sent.filter((m) => m.event === 'video_progress').map((m) => m.data)).toEqual([
      progress('v1', 30),
      progress('v3', 40),
    ]);
    ws.terminate();
    expect(v.listeners.size).toBe(0);
  });
});
