import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server as TusServer } from '@tus/server';
import type { Logger } from '../../core/log.js';
import { type ErrorCode, SightlineError } from '../../protocol/errors.js';
import type { VideoCatalog } from './catalog.js';
import type { DiskVideoFiles } from './files.js';

/** Where tus uploads are mounted. */
export const UPLOAD_PATH = '/api/videos';

export interface VideoUploadsOptions {
  /** Unfinished uploads live here (`<id>` and `<id>.json`), on the same filesystem as the videos. */
  uploadsDir: string;
  files: DiskVideoFiles;
  catalog: VideoCatalog;
  maxUploadBytes: number;
  quotaBytes: number;
  /** The owner a request's `Authorization` header names, or null. */
  ownerOf(authorization: string | null): string | null;
  /** A finished upload, now at `files.source(id)` and `queued`. */
  onFinished(videoId: string): Promise<void>;
  log: Logger;
}

/** The HTTP status of a catalogue code in upload and video replies. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'ERR_UNAUTHORIZED':
      return 401;
    case 'ERR_NOT_FOUND':
    case 'ERR_VIDEO_NOT_FOUND':
      return 404;
    case 'ERR_VIDEO_NOT_READY':
    case 'ERR_INVALID_STATE':
    case 'ERR_UPLOAD_INCOMPLETE':
      return 409;
    case 'ERR_VIDEO_TOO_LARGE':
    case 'ERR_VIDEO_QUOTA':
    case 'ERR_MESSAGE_TOO_LARGE':
      return 413;
    case 'ERR_BAD_JSON':
    case 'ERR_INVALID_ARGUMENT':
    case 'ERR_INVALID_MESSAGE':
    case 'ERR_VIDEO_EMPTY':
      return 400;
    case 'ERR_ASSISTANT_UNAVAILABLE':
      return 503;
    default:
      return 500;
  }
}

/** A tus hook's error: tus sends `body` with `status_code`; ours is the catalogue's JSON. */
function tusError(error: SightlineError): { status_code: number; body: string } {
  return { status_code: httpStatusOf(error.code), body: JSON.stringify({ error: error.toWire() }) };
}

/** tus's own errors (plain text) as catalogue JSON. */
function fromTusStatus(status: number, text: string): { status_code: number; body: string } {
  const code: ErrorCode =
    status === 413
      ? 'ERR_VIDEO_TOO_LARGE'
      : status === 404 || status === 410
        ? 'ERR_VIDEO_NOT_FOUND'
        : status === 409
          ? 'ERR_INVALID_STATE'
          : status >= 500
            ? 'ERR_INTERNAL'
            : 'ERR_INVALID_ARGUMENT';
  return {
    status_code: status,
    body: JSON.stringify({ error: new SightlineError(code, text.trim()).toWire() }),
  };
}

/** The uploader's file name for display: no control characters, at most 255 characters. */
export function displayName(raw: string | null | undefined): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const clean = (raw ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean === '' ? 'video' : clean.slice(0, 255);
}

/**
 * The tus resumable-upload endpoint (tus 1.0 core + creation + termination via
 * the video DELETE route): `POST /api/videos` creates, `HEAD` reads the offset,
 * `PATCH` appends, streamed to `<uploads>/<id>` by @tus/file-store, never held
 * in memory. Limits and ownership are checked before tus sees the request (our
 * JSON errors); the row is written with the quota check in one transaction at
 * creation; a finished upload is renamed to the video's `source` and queued.
 */
export class VideoUploads {
  readonly #tus: TusServer;
  readonly #o: VideoUploadsOptions;

  constructor(options: VideoUploadsOptions) {
    this.#o = options;
    this.#tus = new TusServer({
      path: UPLOAD_PATH,
      datastore: new FileStore({ directory: options.uploadsDir }),
      relativeLocation: true,
      maxSize: options.maxUploadBytes,
      namingFunction: () => randomBytes(16).toString('base64url'),
      onUploadCreate: async (req, upload) => {
        const owner = options.ownerOf(req.headers.get('authorization'));
        if (owner === null) throw tusError(new SightlineError('ERR_UNAUTHORIZED'));
        try {
          options.catalog.createUpload({
            id: upload.id,
            owner,
            name: displayName(upload.metadata?.filename),
            sizeBytes: upload.size ?? 0,
            quotaBytes: options.quotaBytes,
          });
        } catch (error) {
          if (error instanceof SightlineError) throw tusError(error);
          throw error;
        }
        return {};
      },
      onUploadFinish: async (_req, upload) => {
        await this.#finish(upload.id);
        return {};
      },
      onResponseError: (_req, error) => {
        if (error instanceof Error && !('status_code' in error)) {
          options.log.error('upload failed', { error });
          return fromTusStatus(500, 'the upload could not be stored');
        }
        const e = error as { status_code: number; body: string };
        return e.body.startsWith('{') ? e : fromTusStatus(e.status_code, e.body);
      },
    });
  }

  async #finish(videoId: string): Promise<void> {
    const { catalog, files } = this.#o;
    if (catalog.status(videoId) !== 'uploading') {
      await this.removeUpload(videoId);
      throw tusError(new SightlineError('ERR_VIDEO_NOT_FOUND', 'the video was deleted during its upload'));
    }
    const source = files.source(videoId);
    await mkdir(dirname(source), { recursive: true });
    await rename(join(this.#o.uploadsDir, videoId), source);
    await rm(join(this.#o.uploadsDir, `${videoId}.json`), { force: true });
    if (!catalog.markQueued(videoId)) {
      await rm(files.dir(videoId), { recursive: true, force: true });
      throw tusError(new SightlineError('ERR_VIDEO_NOT_FOUND', 'the video was deleted during its upload'));
    }
    await this.#o.onFinished(videoId);
  }

  /** Removes an unfinished upload's files (after its row is gone). */
  async removeUpload(videoId: string): Promise<void> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(videoId)) return;
    await rm(join(this.#o.uploadsDir, videoId), { force: true });
    await rm(join(this.#o.uploadsDir, `${videoId}.json`), { force: true });
  }

  /**
   * Serves a tus request for `owner` (already authenticated). `videoId`: the
   * upload addressed by HEAD/PATCH (null for POST and OPTIONS). Returns after
   * the response is sent.
   */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    owner: string,
    videoId: string | null,
  ): Promise<void> {
    const refusal = this.#refusal(req, owner, videoId);
    if (refusal) {
      if (refusal instanceof SightlineError) {
        // The client may still be sending a body we refused: do not read it, close after the reply.
        if (req.method === 'POST' || req.method === 'PATCH') res.setHeader('connection', 'close');
        send(res, httpStatusOf(refusal.code), { error: refusal.toWire() });
      } else {
        res.writeHead(200, {
          'tus-resumable': '1.0.0',
          'upload-offset': String(refusal.size),
          'upload-length': String(refusal.size),
          'cache-control': 'no-store',
        });
        res.end();
      }
      return;
    }
    await this.#tus.handle(req, res);
    if (req.method === 'PATCH' && videoId !== null) this.#o.catalog.touch(videoId);
  }

  /** An error to send instead of serving, or a finished upload's size (HEAD after the end). */
  #refusal(
    req: IncomingMessage,
    owner: string,
    videoId: string | null,
  ): SightlineError | { size: number } | null {
    const { catalog } = this.#o;
    if (req.method === 'POST') {
      if (req.headers['upload-defer-length'] !== undefined || req.headers['upload-concat'] !== undefined) {
        return new SightlineError(
          'ERR_INVALID_ARGUMENT',
          'send Upload-Length: deferred and concatenated uploads are not supported',
        );
      }
      const raw = req.headers['upload-length'];
      const length = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isSafeInteger(length))
        return new SightlineError('ERR_INVALID_ARGUMENT', 'Upload-Length is required');
      if (length === 0) return new SightlineError('ERR_VIDEO_EMPTY', 'the file is empty (0 bytes)');
      if (length > this.#o.maxUploadBytes) {
        return new SightlineError(
          'ERR_VIDEO_TOO_LARGE',
          `the file is ${length} bytes; the limit is ${this.#o.maxUploadBytes}`,
        );
      }
      const used = catalog.usedBytes(owner);
      if (used + length > this.#o.quotaBytes) {
        return new SightlineError(
          'ERR_VIDEO_QUOTA',
          `this upload would take your storage to ${used + length} bytes, over the quota of ${this.#o.quotaBytes}`,
        );
      }
      return null;
    }
    if (videoId === null) return null;
    if (catalog.ownerOf(videoId) !== owner) {
      return new SightlineError('ERR_VIDEO_NOT_FOUND', `no upload ${JSON.stringify(videoId)}`);
    }
    if (catalog.status(videoId) !== 'uploading') {
      if (req.method === 'HEAD') return { size: catalog.info(videoId)?.sizeBytes ?? 0 };
      return new SightlineError('ERR_INVALID_STATE', 'this upload has finished');
    }
    return null;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'tus-resumable': '1.0.0',
  });
  res.end(JSON.stringify(body));
}
