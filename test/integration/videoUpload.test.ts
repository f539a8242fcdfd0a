import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Upload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestProgress, VideoInfo } from '../../protocol/video.js';
import type { SightlineServer } from '../../server/app.js';
import { type CapturedLog, captureLog, startTestServer, waitFor } from '../helpers/server.js';
import { sha256Hex } from '../helpers/sha256.js';
import { badVideos, shortVideo } from '../helpers/videos.js';

/**
 * Uploads over tus against the real server (real SQLite, real files): create,
 * append, offsets, a cut mid-PATCH resumed, limits and quota, ownership,
 * delete, the SSE stream. No models are loaded here: a finished upload waits
 * `queued` (see videoIngest tests for the way to `ready`).
 */

const QUOTA = 3 * 1024 * 1024;
const MAX_UPLOAD = 2 * 1024 * 1024;

let server: SightlineServer;
let dataDir: string;
let logs: CapturedLog;

async function tokenFor(user: string): Promise<string> {
  const res = await fetch(`${server.url}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' });

async function create(token: string, length: number, filename = 'clip.mp4'): Promise<Response> {
  return fetch(`${server.url}/api/videos`, {
    method: 'POST',
    headers: {
      ...auth(token),
      'upload-length': String(length),
      'upload-metadata': `filename ${Buffer.from(filename).toString('base64')}`,
    },
  });
}

async function patch(token: string, location: string, offset: number, body: Buffer): Promise<Response> {
  return fetch(`${server.url}${location}`, {
    method: 'PATCH',
    headers: {
      ...auth(token),
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
    },
    body: new Uint8Array(body),
  });
}

async function offsetOf(token: string, location: string): Promise<number> {
  const res = await fetch(`${server.url}${location}`, { method: 'HEAD', headers: auth(token) });
  expect(res.status).toBe(200);
  return Number(res.headers.get('upload-offset'));
}

/** Uploads `bytes` whole with two PATCHes; returns the video id. */
async function uploadBytes(token: string, bytes: Buffer, filename = 'clip.mp4'): Promise<string> {
  const created = await create(token, bytes.length, filename);
  expect(created.status).toBe(201);
  const location = created.headers.get('location') as string;
  const half = Math.floor(bytes.length / 2);
  expect((await patch(token, location, 0, bytes.subarray(0, half))).status).toBe(204);
  expect((await patch(token, location, half, bytes.subarray(half))).status).toBe(204);
  return location.slice(location.lastIndexOf('/') + 1);
}

async function getVideo(token: string, id: string): Promise<Response> {
  return fetch(`${server.url}/api/videos/${id}`, { headers: { authorization: `Bearer ${token}` } });
}

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

async function serverUp(): Promise<void> {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
}

const uploadFiles = () => readdirSync(join(dataDir, 'uploads'));
const videoDirs = () => (existsSync(join(dataDir, 'videos')) ? readdirSync(join(dataDir, 'videos')) : []);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sightline-upload-'));
  logs = captureLog('warn');
  server = await startTestServer(
    {
      SIGHTLINE_DATA_DIR: dataDir,
      VIDEO_MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
      VIDEO_QUOTA_BYTES: String(QUOTA),
    },
    { log: logs.log },
  );
}, 60_000);

afterAll(async () => {
  await server?.close();
  // Bad input is refused, never a server fault.
  expect(logs.at('error')).toEqual([]);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('tus upload', () => {
  it('tus-js-client uploads a file from a stream; it lands whole as the source, queued, listed for its owner', async () => {
    const token = await tokenFor('alice-client');
    const file = shortVideo();
    const progress: number[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      const upload = new Upload(createReadStream(file) as never, {
        endpoint: `${server.url}/api/videos`,
        headers: { authorization: `Bearer ${token}` },
        metadata: { filename: 'short.mp4' },
        chunkSize: 64 * 1024,
        retryDelays: null,
        onProgress: (sent) => progress.push(sent),
        onError: reject,
        onSuccess: () => resolve(upload.url as string),
      });
      upload.start();
    });
    const id = url.slice(url.lastIndexOf('/') + 1);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(progress.at(-1)).toBe(readFileSync(file).length);
    const source = server.app.videos.files.source(id);
    expect(sha256Hex(readFileSync(source))).toBe(sha256Hex(readFileSync(file)));
    expect(uploadFiles()).not.toContain(id);
    const info = (await (await getVideo(token, id)).json()) as VideoInfo;
    expect(info).toMatchObject({
      id,
      name: 'short.mp4',
      status: 'queued',
      sizeBytes: readFileSync(file).length,
    });
    const list = (await (
      await fetch(`${server.url}/api/videos`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      videos: VideoInfo[];
    };
    expect(list.videos.map((v) => v.id)).toEqual([id]);
  });

  it('an upload cut mid-PATCH resumes from the offset HEAD reports; the stored file equals the original', async () => {
    const token = await tokenFor('bob-cut');
    const bytes = readFileSync(shortVideo());
    const created = await create(token, bytes.length);
    const location = created.headers.get('location') as string;
    // Send part of the body, then cut the connection.
    await new Promise<void>((resolve) => {
      const req = request(`${server.url}${location}`, {
        method: 'PATCH',
        headers: {
          ...auth(token),
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
          'content-length': String(bytes.length),
        },
      });
      req.on('error', () => resolve());
      req.write(bytes.subarray(0, Math.floor(bytes.length * 0.6)), () => {
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 200);
      });
    });
    const offset = await waitFor(
      async () => {
        const o = await offsetOf(token, location);
        return o > 0 ? o : undefined;
      },
      5000,
      'the cut upload to show its offset',
    );
    expect(offset).toBeLessThan(bytes.length);
    const id = location.slice(location.lastIndexOf('/') + 1);
    expect((await (await getVideo(token, id)).json()) as VideoInfo).toMatchObject({ status: 'uploading' });
    // Asking about it before it finished: not answerable.
    const early = await fetch(`${server.url}/api/videos/${id}/ask`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'what happens?' }),
    });
    expect(early.status).toBe(409);
    expect(await errorCode(early)).toBe('ERR_UPLOAD_INCOMPLETE');
    expect((await patch(token, location, offset, bytes.subarray(offset))).status).toBe(204);
    expect(sha256Hex(readFileSync(server.app.videos.files.source(id)))).toBe(sha256Hex(bytes));
    // HEAD after the end still answers (a client that missed the last reply sees it complete).
    expect(await offsetOf(token, location)).toBe(bytes.length);
    await serverUp();
  });

  it('a zero-byte upload is refused with ERR_VIDEO_EMPTY and leaves nothing', async () => {
    const token = await tokenFor('carol-empty');
    expect(readFileSync(badVideos().zeroBytes).length).toBe(0);
    const before = uploadFiles().length;
    const res = await create(token, 0);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('ERR_VIDEO_EMPTY');
    expect(uploadFiles().length).toBe(before);
    expect(server.app.videos.list('carol-empty')).toEqual([]);
    await serverUp();
  });

  it('an upload over VIDEO_MAX_UPLOAD_BYTES is 413 ERR_VIDEO_TOO_LARGE, with no row and nothing on disk', async () => {
    const token = await tokenFor('dave-large');
    const before = uploadFiles().length;
    const res = await create(token, MAX_UPLOAD + 1);
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe('ERR_VIDEO_TOO_LARGE');
    expect(uploadFiles().length).toBe(before);
    expect(server.app.videos.list('dave-large')).toEqual([]);
    await serverUp();
  });

  it('the quota counts stored videos and uploads in flight: over it, 413 ERR_VIDEO_QUOTA; limits report the use', async () => {
    const token = await tokenFor('erin-quota');
    const first = await create(token, MAX_UPLOAD);
    expect(first.status).toBe(201);
    const limits = (await (
      await fetch(`${server.url}/api/videos/limits`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { usedBytes: number; quotaBytes: number; maxUploadBytes: number };
    expect(limits).toMatchObject({ usedBytes: MAX_UPLOAD, quotaBytes: QUOTA, maxUploadBytes: MAX_UPLOAD });
    const second = await create(token, QUOTA - MAX_UPLOAD + 1);
    expect(second.status).toBe(413);
    expect(await errorCode(second)).toBe('ERR_VIDEO_QUOTA');
    // Someone else's quota is their own.
    expect((await create(await tokenFor('frank-other'), QUOTA - MAX_UPLOAD + 1)).status).toBe(201);
    // Deleting the unfinished upload frees the quota.
    const id = (first.headers.get('location') as string).split('/').pop() as string;
    const del = await fetch(`${server.url}/api/videos/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(del.status).toBe(204);
    expect(uploadFiles().filter((f) => f.startsWith(id))).toEqual([]);
    expect((await create(token, QUOTA - MAX_UPLOAD + 1)).status).toBe(201);
  });

  it('another owner gets 404 on HEAD, PATCH, GET, events, media, ask and DELETE, and an empty list; the owner still sees it', async () => {
    const owner = await tokenFor('gina-owner');
    const other = await tokenFor('hal-other');
    const bytes = readFileSync(shortVideo());
    const created = await create(owner, bytes.length);
    const location = created.headers.get('location') as string;
    const id = location.split('/').pop() as string;
    const h = { authorization: `Bearer ${other}` };
    const replies = [
      await fetch(`${server.url}${location}`, { method: 'HEAD', headers: auth(other) }),
      await patch(other, location, 0, bytes),
      await fetch(`${server.url}/api/videos/${id}`, { headers: h }),
      await fetch(`${server.url}/api/videos/${id}/events`, { headers: h }),
      await fetch(`${server.url}/api/videos/${id}/media?access_token=${other}`),
      await fetch(`${server.url}/api/videos/${id}/ask`, {
        method: 'POST',
        headers: { ...h, 'content-type': 'application/json' },
        body: JSON.stringify({ question: 'what is in it?' }),
      }),
      await fetch(`${server.url}/api/videos/${id}`, { method: 'DELETE', headers: h }),
    ];
    expect(replies.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404, 404]);
    for (const r of replies.slice(1)) expect(await errorCode(r)).toBe('ERR_VIDEO_NOT_FOUND');
    const list = (await (await fetch(`${server.url}/api/videos`, { headers: h })).json()) as {
      videos: unknown[];
    };
    expect(list.videos).toEqual([]);
    expect(await offsetOf(owner, location)).toBe(0);
    expect((await patch(owner, location, 0, bytes)).status).toBe(204);
    await serverUp();
  });

  it('without a token: 401 ERR_UNAUTHORIZED on the upload, the list and the video; a bad token too', async () => {
    const replies = [
      await fetch(`${server.url}/api/videos`, {
        method: 'POST',
        headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' },
      }),
      await fetch(`${server.url}/api/videos`),
      await fetch(`${server.url}/api/videos/abc/events`),
      await fetch(`${server.url}/api/videos`, { headers: { authorization: 'Bearer nope.nope' } }),
    ];
    expect(replies.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    for (const r of replies) expect(await errorCode(r)).toBe('ERR_UNAUTHORIZED');
    await serverUp();
  });

  it('bad requests get typed errors and the server stays up', async () => {
    const token = await tokenFor('ivan-bad');
    const h = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const id = await uploadBytes(token, readFileSync(shortVideo()));
    const bodies = [
      '{',
      JSON.stringify({}),
      JSON.stringify({ question: 'x', t: -1 }),
      JSON.stringify({ question: 'x', extra: 1 }),
    ];
    const codes: string[] = [];
    for (const body of bodies) {
      const r = await fetch(`${server.url}/api/videos/${id}/ask`, { method: 'POST', headers: h, body });
      expect(r.status).toBe(400);
      codes.push(await errorCode(r));
    }
    expect(codes).toEqual([
      'ERR_BAD_JSON',
      'ERR_INVALID_ARGUMENT',
      'ERR_INVALID_ARGUMENT',
      'ERR_INVALID_ARGUMENT',
    ]);
    // A valid question about a video still queued: not ready.
    const notReady = await fetch(`${server.url}/api/videos/${id}/ask`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ question: 'what happened at 3 seconds?', t: 3 }),
    });
    expect(notReady.status).toBe(409);
    expect(await errorCode(notReady)).toBe('ERR_VIDEO_NOT_READY');
    expect((await fetch(`${server.url}/api/videos/../../etc/passwd`, { headers: h })).status).toBe(404);
    expect((await fetch(`${server.url}/api/videos/${id}/frames/abc.jpg`, { headers: h })).status).toBe(404);
    expect((await fetch(`${server.url}/api/videos/${id}`, { method: 'PUT', headers: h })).status).toBe(405);
    const deferred = await fetch(`${server.url}/api/videos`, {
      method: 'POST',
      headers: { ...auth(token), 'upload-defer-length': '1' },
    });
    expect(deferred.status).toBe(400);
    await serverUp();
  });

  it('media serves the source with Range; DELETE removes rows and files; a second DELETE is 404', async () => {
    const token = await tokenFor('jill-delete');
    const bytes = readFileSync(shortVideo());
    const id = await uploadBytes(token, bytes);
    const ranged = await fetch(
      `${server.url}/api/videos/${id}/media?access_token=${encodeURIComponent(token)}`,
      {
        headers: { range: 'bytes=100-199' },
      },
    );
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
    expect(videoDirs()).toContain(id);
    const del = await fetch(`${server.url}/api/videos/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(del.status).toBe(204);
    expect(videoDirs()).not.toContain(id);
    expect(server.app.videos.catalog.info(id)).toBeNull();
    expect((await getVideo(token, id)).status).toBe(404);
    const again = await fetch(`${server.url}/api/videos/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(again.status).toBe(404);
  });

  it('SSE: the first event is the current state, a delete ends the stream with `cancelled`, and the subscription is gone', async () => {
    const token = await tokenFor('kim-sse');
    const id = await uploadBytes(token, readFileSync(shortVideo()));
    const bus = server.app.videos.progress as unknown as { listenerCount: number };
    const listenersBefore = bus.listenerCount;
    const res = await fetch(`${server.url}/api/videos/${id}/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const events = (): IngestProgress[] =>
      text
        .split('\n\n')
        .filter((block) => block.startsWith('event: progress'))
        .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as IngestProgress);
    const readUntil = async (done: () => boolean) => {
      while (!done()) {
        const chunk = await reader.read();
        if (chunk.done) return true;
        text += decoder.decode(chunk.value, { stream: true });
      }
      return false;
    };
    await readUntil(() => events().length >= 1);
    expect(events()[0]).toMatchObject({ videoId: id, status: 'queued' });
    expect(bus.listenerCount).toBe(listenersBefore + 1);
    await fetch(`${server.url}/api/videos/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    const ended = await readUntil(() => false);
    expect(ended).toBe(true);
    expect(events().at(-1)).toMatchObject({ videoId: id, status: 'cancelled' });
    expect(bus.listenerCount).toBe(listenersBefore);
  });

  it('an SSE client that goes away is unsubscribed', async () => {
    const token = await tokenFor('lea-gone');
    const id = await uploadBytes(token, readFileSync(shortVideo()));
    const bus = server.app.videos.progress as unknown as { listenerCount: number };
    const before = bus.listenerCount;
    const controller = new AbortController();
    const res = await fetch(`${server.url}/api/videos/${id}/events`, {
      headers: { authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    await (res.body as ReadableStream<Uint8Array>).getReader().read();
    expect(bus.listenerCount).toBe(before + 1);
    controller.abort();
    await waitFor(() => bus.listenerCount === before, 5000, 'the stream to unsubscribe');
    await serverUp();
  });
});
