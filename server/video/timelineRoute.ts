import type { IncomingMessage, ServerResponse } from 'node:http';
import { SightlineError } from '../../protocol/errors.js';
import type { TimelineFrame, VideoTimeline } from '../../protocol/timeline.js';
import { ownerOf } from '../auth/token.js';
import type { AppContext } from '../context.js';
import { sendError } from '../http/routes.js';

/** HTTP status of each error this route sends. */
const STATUS: Partial<Record<string, number>> = {
  ERR_UNAUTHORIZED: 401,
  ERR_VIDEO_NOT_FOUND: 404,
  ERR_VIDEO_NOT_READY: 409,
};

/** The bearer token of the request, or its `?access_token=` (img and video tags cannot send headers). */
function requestToken(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return new URL(req.url ?? '/', 'http://localhost').searchParams.get('access_token');
}

/**
 * `GET /api/videos/:id/timeline`: what the timeline page draws of a ready
 * video (thumbnails, transcript, OCR, chapters). The URLs it returns carry the
 * caller's own token. 401 without a valid token, 404 for a missing or foreign
 * id, 409 while the video is not ready.
 */
export async function timelineHandler(
  app: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  videoId: string,
): Promise<void> {
  try {
    const token = requestToken(req);
    const claims = token ? app.tokens.verify(token) : null;
    if (!token || !claims) throw new SightlineError('ERR_UNAUTHORIZED');
    const videos = app.videos;
    if (!videos) throw new SightlineError('ERR_VIDEO_NOT_FOUND', 'this server keeps no uploaded videos');
    const info = videos.get(ownerOf(claims), videoId);
    if (info.status !== 'ready') throw new SightlineError('ERR_VIDEO_NOT_READY');
    const reader = videos.reader;
    const path = `/api/videos/${encodeURIComponent(videoId)}`;
    const withToken = (p: string) => `${path}${p}?access_token=${encodeURIComponent(token)}`;
    const frames: TimelineFrame[] = reader.frames(videoId).map((f) => ({
      tMs: f.tMs,
      thumbUrl: withToken(`/thumbs/${f.tMs}.jpg`),
      frameUrl: withToken(`/frames/${f.tMs}.jpg`),
      kept: f.kept,
      scene: f.scene,
    }));
    const body: VideoTimeline = {
      videoId,
      name: info.name,
      durationMs: info.durationMs ?? 0,
      mediaUrl: withToken('/media'),
      chapters: reader.chapters(videoId),
      transcript: reader.segments(videoId),
      ocr: reader.ocr(videoId).map((o) => ({ tMs: o.tMs, text: o.text })),
      frames,
    };
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  } catch (error) {
    if (!(error instanceof SightlineError) || STATUS[error.code] === undefined) throw error;
    sendError(res, STATUS[error.code] ?? 500, error);
  }
}
