import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { isMissingFile } from '../../core/files.js';
import { SightlineError } from '../../protocol/errors.js';
import type { AskRequest, IngestProgress, VideoInfo } from '../../protocol/video.js';
import { ownerOf } from '../auth/token.js';
import type { AppContext } from '../context.js';
import { readBody } from '../http/body.js';
import type { DiskVideoFiles } from './files.js';
import { isFinalStatus, progressOf } from './progressBus.js';
import { timelineHandler } from './timelineRoute.js';
import { httpStatusOf, UPLOAD_PATH } from './upload.js';

/** How often an idle progress stream sends a comment, so proxies keep it open. */
export const SSE_HEARTBEAT_MS = 15_000;
const MAX_ASK_BODY_BYTES = 16 * 1024;

interface Ctx {
  app: AppContext;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  owner: string;
  token: string;
  params: Record<string, string>;
}

type Handler = (ctx: Ctx) => Promise<void>;

interface VideoRoute {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
  /** `?access_token=` is accepted as well as the header (img and video tags cannot send headers). */
  media: boolean;
}

const SEGMENT = '([A-Za-z0-9_-]{1,64})';

function route(spec: string, handler: Handler, media = false): VideoRoute {
  const [method, path] = spec.split(' ') as [string, string];
  const keys: string[] = [];
  const source = path.replace(/\./g, '\\.').replace(/:([a-zA-Z]+)/g, (_, key: string) => {
    keys.push(key);
    return key === 'tMs' ? '(\\d{1,10})' : SEGMENT;
  });
  return { method, pattern: new RegExp(`^${source}$`), keys, handler, media };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendVideoError(res: ServerResponse, error: SightlineError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, httpStatusOf(error.code), { error: error.toWire() });
}

/** The caller's thumbnail URL carries its token: an <img> cannot send a header. */
function forCaller(info: VideoInfo, token: string): VideoInfo {
  if (info.thumbnailUrl === null) return info;
  return { ...info, thumbnailUrl: `${info.thumbnailUrl}?access_token=${encodeURIComponent(token)}` };
}

const timeValue = z.union([z.number().finite().min(0), z.string().trim().min(1).max(32)]);
/** The `POST /api/videos/:id/ask` body, validated at the boundary. */
export const askRequestSchema = z
  .object({
    question: z.string().trim().min(1).max(2000),
    t: timeValue.optional(),
    range: z
      .union([
        z.tuple([timeValue, timeValue]),
        z
          .object({ startMs: z.number().finite().min(0), endMs: z.number().finite().min(0) })
          .refine((r) => r.endMs > r.startMs, 'endMs must be after startMs'),
      ])
      .optional(),
  })
  .strict();

async function readAsk(req: IncomingMessage): Promise<AskRequest> {
  const text = await readBody(req, MAX_ASK_BODY_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SightlineError('ERR_BAD_JSON', 'the body is not valid JSON');
  }
  const parsed = askRequestSchema.safeParse(json);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new SightlineError('ERR_INVALID_ARGUMENT', `bad question: ${why}`);
  }
  return parsed.data as AskRequest;
}

/** SSE: the current state first, then each progress event; ends after ready/failed/cancelled or when the client goes. */
const events: Handler = async ({ app, req, res, owner, params }) => {
  const videoId = params.id as string;
  const info = app.videos.get(owner, videoId);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const send = (p: IngestProgress) => res.write(`event: progress\ndata: ${JSON.stringify(p)}\n\n`);
  send(progressOf(info));
  if (isFinalStatus(info.status)) {
    res.end();
    return;
  }
  let unsubscribe = () => {};
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), SSE_HEARTBEAT_MS);
  heartbeat.unref();
  const stop = () => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  unsubscribe = app.videos.progress.subscribe(videoId, (p) => {
    if (res.writableEnded) return;
    send(p);
    if (isFinalStatus(p.status)) {
      stop();
      res.end();
    }
  });
  res.once('close', stop);
  req.once('close', () => {
    if (!res.writableEnded) stop();
  });
};

const ask: Handler = async ({ app, req, res, owner, params }) => {
  const videoId = params.id as string;
  // Ownership and readiness before reading the body: a foreign id is 404 whatever it sends.
  app.videos.get(owner, videoId);
  const request = await readAsk(req);
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableEnded) controller.abort(new SightlineError('ERR_CONNECTION_CLOSED'));
  };
  res.once('close', onClose);
  try {
    const answer = await app.videos.ask(owner, videoId, request, controller.signal);
    if (!controller.signal.aborted) sendJson(res, 200, answer);
  } finally {
    res.off('close', onClose);
  }
};

/** The content type of the uploaded file, from the probe (never from the name). */
function mediaType(container: string | undefined, hasVideo: boolean | null): string {
  const c = container ?? '';
  if (c.includes('webm')) return hasVideo === false ? 'audio/webm' : 'video/webm';
  if (c.includes('matroska')) return 'video/x-matroska';
  if (c.includes('mp4') || c.includes('mov')) return hasVideo === false ? 'audio/mp4' : 'video/mp4';
  if (c.includes('ogg')) return hasVideo === false ? 'audio/ogg' : 'video/ogg';
  if (c.includes('wav')) return 'audio/wav';
  if (c.includes('mp3')) return 'audio/mpeg';
  return 'application/octet-stream';
}

/** Parses one `Range: bytes=…` against `size`: the inclusive span, 'unsatisfiable', or null for the whole file. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

async function sendStoredFile(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  contentType: string,
  ranges: boolean,
): Promise<void> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if (!isMissingFile(error)) throw error;
    throw new SightlineError('ERR_NOT_FOUND', 'no such file for this video');
  }
  const range = ranges ? parseRange(req.headers.range, size) : null;
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'content-range': `bytes */${size}` });
    res.end();
    return;
  }
  const headers: Record<string, string> = {
    'content-type': contentType,
    'cache-control': 'private, max-age=3600',
    ...(ranges ? { 'accept-ranges': 'bytes' } : {}),
  };
  if (range) {
    res.writeHead(206, {
      ...headers,
      'content-range': `bytes ${range.start}-${range.end}/${size}`,
      'content-length': String(range.end - range.start + 1),
    });
  } else {
    res.writeHead(200, { ...headers, 'content-length': String(size) });
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(path, range ? { start: range.start, end: range.end } : {});
  try {
    await pipeline(stream, res);
  } catch (error) {
    // A client that stops a video mid-stream is normal; anything else is worth a line.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  }
}

/** A stored JPEG of a video (`frames` or `thumbs`), with the media GETs' `?access_token=`. */
function jpegRoute(
  folder: 'frames' | 'thumbs',
  pathOf: (files: DiskVideoFiles, videoId: string, tMs: number) => string,
): VideoRoute {
  return route(
    `GET /api/videos/:id/${folder}/:tMs.jpg`,
    async ({ app, req, res, owner, params }) => {
      app.videos.get(owner, params.id as string);
      const path = pathOf(app.videos.files, params.id as string, Number(params.tMs));
      await sendStoredFile(req, res, path, 'image/jpeg', false);
    },
    true,
  );
}

const VIDEO_ROUTES: readonly VideoRoute[] = [
  route('GET /api/videos', async ({ app, res, owner, token }) =>
    sendJson(res, 200, { videos: app.videos.list(owner).map((v) => forCaller(v, token)) }),
  ),
  route('GET /api/videos/limits', async ({ app, res, owner }) =>
    sendJson(res, 200, app.videos.limits(owner)),
  ),
  route('GET /api/videos/:id', async ({ app, res, owner, token, params }) =>
    sendJson(res, 200, forCaller(app.videos.get(owner, params.id as string), token)),
  ),
  route('GET /api/videos/:id/events', events),
  route('GET /api/videos/:id/timeline', async ({ app, req, res, params }) =>
    timelineHandler(app, req, res, params.id as string),
  ),
  route('POST /api/videos/:id/ask', ask),
  route('POST /api/videos/:id/cancel', async ({ app, res, owner, token, params }) =>
    sendJson(res, 200, forCaller(await app.videos.cancel(owner, params.id as string), token)),
  ),
  route('DELETE /api/videos/:id', async ({ app, res, owner, params }) => {
    await app.videos.remove(owner, params.id as string);
    res.writeHead(204, { 'tus-resumable': '1.0.0' });
    res.end();
  }),
  jpegRoute('frames', (files, id, tMs) => files.frame(id, tMs)),
  jpegRoute('thumbs', (files, id, tMs) => files.thumbnail(id, tMs)),
  route(
    'GET /api/videos/:id/media',
    async ({ app, req, res, owner, params }) => {
      const info = app.videos.get(owner, params.id as string);
      if (info.status === 'uploading') throw new SightlineError('ERR_UPLOAD_INCOMPLETE');
      const probe = app.videos.catalog.probe(info.id);
      const path = app.videos.files.source(info.id);
      await sendStoredFile(req, res, path, mediaType(probe?.container, info.hasVideo), true);
    },
    true,
  ),
];

/** True for the paths this module serves (the tus endpoint included). */
export function isVideoPath(path: string): boolean {
  return path === UPLOAD_PATH || path.startsWith(`${UPLOAD_PATH}/`);
}

function bearer(req: IncomingMessage, url: URL, media: boolean): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return media ? url.searchParams.get('access_token') : null;
}

/** A tus request: creation and offsets (HEAD with Tus-Resumable), appends, discovery. */
function tusTarget(req: IncomingMessage, path: string): { videoId: string | null } | null {
  const method = req.method ?? 'GET';
  const id = new RegExp(`^${UPLOAD_PATH}/${SEGMENT}$`).exec(path)?.[1] ?? null;
  if (path === UPLOAD_PATH && (method === 'POST' || method === 'OPTIONS')) return { videoId: null };
  if (id === null) return null;
  if (method === 'PATCH' || method === 'OPTIONS') return { videoId: id };
  if (method === 'HEAD' && req.headers['tus-resumable'] !== undefined) return { videoId: id };
  return null;
}

/**
 * Serves everything under /api/videos: tus uploads, the JSON routes, the SSE
 * progress stream and the media files. Every route needs the bearer token
 * (media also `?access_token=`); a foreign id is 404 like a missing one.
 */
export async function handleVideoRequest(
  app: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  try {
    const tus = tusTarget(req, path);
    if (tus && req.method === 'OPTIONS') {
      await app.videos.uploads.handle(req, res, '', null);
      return;
    }
    const method = req.method === 'HEAD' && !tus ? 'GET' : (req.method ?? 'GET');
    let found: { route: VideoRoute; params: Record<string, string> } | null = null;
    const allowed = new Set<string>();
    for (const r of VIDEO_ROUTES) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      allowed.add(r.method);
      if (r.method === method && !found) {
        found = { route: r, params: Object.fromEntries(r.keys.map((k, i) => [k, m[i + 1] as string])) };
      }
    }
    if (!tus && !found) {
      if (allowed.size === 0) throw new SightlineError('ERR_NOT_FOUND', `nothing is served at ${path}`);
      const list = [...allowed, ...(allowed.has('GET') ? ['HEAD'] : [])];
      res.setHeader('allow', list.join(', '));
      sendJson(res, 405, {
        error: new SightlineError(
          'ERR_METHOD_NOT_ALLOWED',
          `${req.method} is not allowed here; use ${list.join(' or ')}`,
        ).toWire(),
      });
      return;
    }
    const token = bearer(req, url, found?.route.media ?? false);
    const claims = token === null ? null : app.tokens.verify(token);
    if (token === null || claims === null) throw new SightlineError('ERR_UNAUTHORIZED');
    const owner = ownerOf(claims);
    if (tus) {
      await app.videos.uploads.handle(req, res, owner, tus.videoId);
      return;
    }
    const { route: r, params } = found as NonNullable<typeof found>;
    await r.handler({ app, req, res, url, owner, token, params });
  } catch (error) {
    if (error instanceof SightlineError) {
      if (error.code === 'ERR_CONNECTION_CLOSED' || error.code === 'ERR_ABORTED') {
        if (!res.writableEnded) res.destroy();
        return;
      }
      if (!['ERR_UNAUTHORIZED', 'ERR_NOT_FOUND', 'ERR_VIDEO_NOT_FOUND'].includes(error.code)) {
        app.log.debug('video request refused', { path, code: error.code });
      }
      sendVideoError(res, error);
      return;
    }
    throw error;
  }
}
