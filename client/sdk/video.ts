import { DetailedError, Upload } from 'tus-js-client';
import { SightlineError, type WireError } from '../../protocol/errors.js';
import type { VideoTimeline } from '../../protocol/timeline.js';
import type { AskRequest, AskResponse, IngestProgress, VideoInfo } from '../../protocol/video.js';

/** Where the video API is and who asks. */
export interface VideoApiOptions {
  /** Server base URL; defaults to the page's origin. */
  baseUrl?: string;
  /** A session token (`POST /api/token`); owner of the videos is its user (else its session). */
  token: string;
  signal?: AbortSignal;
}

/** Options of `uploadVideo`: progress, chunking, and the token and server of every video call. */
export interface UploadOptions extends VideoApiOptions {
  /** Bytes sent so far of the total. */
  onProgress?: (bytesSent: number, bytesTotal: number) => void;
  /** Bytes per PATCH (default: the whole rest in one streamed request). */
  chunkSizeBytes?: number;
  /**
   * What `signal` does to the server's copy: `keep` (default) leaves the partial upload so that
   * picking the same file again resumes it; `discard` deletes it (nothing is left on the server).
   */
  onAbort?: 'keep' | 'discard';
}

/** Statuses after which a video's ingest goes no further. */
export const FINAL_STATUSES: readonly VideoInfo['status'][] = ['ready', 'failed', 'cancelled'];

const base = (o: { baseUrl?: string }) => o.baseUrl ?? globalThis.location.origin;

/** An HTTP error body `{ error: { code, message } }` as a typed error (anything else: ERR_INTERNAL). */
function errorFromBody(status: number, text: string): SightlineError {
  try {
    const body = JSON.parse(text) as { error?: WireError };
    if (body.error?.code) return SightlineError.fromWire(body.error);
  } catch {
    // not JSON: a proxy's page, an empty body
  }
  return new SightlineError('ERR_INTERNAL', `the server answered ${status}`);
}

async function call<T>(path: string, o: VideoApiOptions, init: RequestInit = {}): Promise<T> {
  const res = await fetch(new URL(path, base(o)), {
    ...init,
    headers: {
      authorization: `Bearer ${o.token}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw errorFromBody(res.status, text);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** A session token for `user` (remembered by the caller so a reload sees the same videos). */
export async function requestToken(options: { baseUrl?: string; user?: string } = {}): Promise<string> {
  const res = await fetch(new URL('/api/token', base(options)), {
    method: 'POST',
    ...(options.user
      ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: options.user }) }
      : {}),
  });
  const text = await res.text();
  if (!res.ok) throw errorFromBody(res.status, text);
  return (JSON.parse(text) as { token: string }).token;
}

/**
 * Uploads a video with tus: resumable (the upload URL is remembered under the
 * file's fingerprint, so the same file picked again after a cut or a reload
 * continues where it stopped), retried on network errors. Resolves with the
 * video id once the server has the whole file (its ingest then starts).
 */
export function uploadVideo(file: File | Blob, options: UploadOptions): Promise<{ videoId: string }> {
  return new Promise((resolve, reject) => {
    const name = file instanceof File ? file.name : 'video';
    const upload = new Upload(file, {
      endpoint: new URL('/api/videos', base(options)).toString(),
      headers: { authorization: `Bearer ${options.token}` },
      metadata: { filename: name, filetype: file.type || 'application/octet-stream' },
      retryDelays: [0, 1000, 3000, 5000],
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      // A 4xx is the server's verdict (too large, quota, not yours): never retried.
      onShouldRetry: (error) => {
        const status = error.originalResponse?.getStatus() ?? 0;
        return status === 0 || status >= 500 || status === 409 || status === 423;
      },
      ...(options.chunkSizeBytes ? { chunkSize: options.chunkSizeBytes } : {}),
      onProgress: (sent, total) => options.onProgress?.(sent, total),
      onSuccess: () => {
        const id = upload.url
          ?.split('/')
          .filter((s) => s !== '')
          .at(-1);
        if (id) resolve({ videoId: decodeURIComponent(id) });
        else reject(new SightlineError('ERR_INTERNAL', 'the server gave no upload URL'));
      },
      onError: (error) => {
        const body = error instanceof DetailedError ? error.originalResponse : null;
        reject(
          body
            ? errorFromBody(body.getStatus(), body.getBody())
            : new SightlineError('ERR_UPLOAD_INCOMPLETE', error.message),
        );
      },
    });
    if (options.signal?.aborted) {
      reject(new SightlineError('ERR_ABORTED', 'the upload was stopped before it started'));
      return;
    }
    options.signal?.addEventListener(
      'abort',
      () => {
        const discard = options.onAbort === 'discard';
        // abort(true) also sends tus's DELETE for the upload (the server removes its row and bytes).
        upload.abort(discard).catch(() => undefined);
        reject(
          new SightlineError(
            'ERR_ABORTED',
            discard
              ? 'the upload was cancelled'
              : 'the upload was stopped; picking the file again resumes it',
          ),
        );
      },
      { once: true },
    );
    upload
      .findPreviousUploads()
      .then((previous) => {
        const last = previous.at(-1);
        if (last) upload.resumeFromPreviousUpload(last);
        upload.start();
      })
      .catch((error: unknown) => reject(error));
  });
}

/**
 * Follows a video's ingest (`GET /api/videos/:id/events`, SSE read with fetch so
 * the token goes in a header). Resolves with the last progress when the video is
 * ready, failed or cancelled, or the stream ends.
 */
export async function watchVideo(
  videoId: string,
  onProgress: (progress: IngestProgress) => void,
  options: VideoApiOptions,
): Promise<IngestProgress | null> {
  const res = await fetch(new URL(`/api/videos/${encodeURIComponent(videoId)}/events`, base(options)), {
    headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream' },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!res.ok || !res.body) throw errorFromBody(res.status, await res.text());
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  let last: IngestProgress | null = null;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return last;
      buffered += value;
      let end = buffered.indexOf('\n\n');
      while (end >= 0) {
        const progress = parseSseEvent(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\n\n');
        if (!progress) continue;
        last = progress;
        onProgress(progress);
        if (FINAL_STATUSES.includes(progress.status)) return last;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** One SSE event block → its `progress` payload; comments (heartbeats) and other events → null. */
export function parseSseEvent(block: string): IngestProgress | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.replace(/\r/g, '').split('\n')) {
    if (line.startsWith(':')) continue;
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (event !== 'progress' || data.length === 0) return null;
  return JSON.parse(data.join('\n')) as IngestProgress;
}

/** Asks about a ready video; the answer comes with its citations and evidence. */
export function askVideo(
  videoId: string,
  request: AskRequest,
  options: VideoApiOptions,
): Promise<AskResponse> {
  return call(`/api/videos/${encodeURIComponent(videoId)}/ask`, options, {
    method: 'POST',
    body: JSON.stringify(request),
  });
}

/** The caller's own videos, newest first as the server orders them. */
export async function listVideos(options: VideoApiOptions): Promise<VideoInfo[]> {
  const body = await call<VideoInfo[] | { videos: VideoInfo[] }>('/api/videos', options);
  return Array.isArray(body) ? body : body.videos;
}

/** One video's status and metadata. */
export function getVideo(videoId: string, options: VideoApiOptions): Promise<VideoInfo> {
  return call(`/api/videos/${encodeURIComponent(videoId)}`, options);
}

/** Thumbnails, transcript, OCR and chapters of a ready video. */
export function getTimeline(videoId: string, options: VideoApiOptions): Promise<VideoTimeline> {
  return call(`/api/videos/${encodeURIComponent(videoId)}/timeline`, options);
}

/** Stops the video's ingest; it stays listed as `cancelled`. */
export async function cancelVideo(videoId: string, options: VideoApiOptions): Promise<VideoInfo> {
  return call<VideoInfo>(`/api/videos/${encodeURIComponent(videoId)}/cancel`, options, { method: 'POST' });
}

/** Deletes the video, its index and files (a running ingest is cancelled). */
export async function deleteVideo(videoId: string, options: VideoApiOptions): Promise<void> {
  await call<unknown>(`/api/videos/${encodeURIComponent(videoId)}`, options, { method: 'DELETE' });
}

/** A media URL (`/media`, `/frames/…`, `/thumbs/…`) with the token, for img and video tags. */
export function mediaUrl(path: string, options: VideoApiOptions): string {
  const url = new URL(path, base(options));
  url.searchParams.set('access_token', options.token);
  return url.toString();
}
