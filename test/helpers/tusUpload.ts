import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';

/** A tus 1.0.0 upload done by hand with fetch (so tests check the protocol, not one client). */
export interface RawTusOptions {
  baseUrl: string;
  token: string;
  path: string;
  /** Bytes per PATCH (default 1 MiB). */
  chunkBytes?: number;
  filename?: string;
  /** Stop after this many bytes (a cut upload); resume later with `resumeTus`. */
  stopAfterBytes?: number;
}

const TUS = { 'Tus-Resumable': '1.0.0' };

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** Creates the upload; returns its URL and the video id (the last path segment). */
export async function createTus(
  o: RawTusOptions,
): Promise<{ url: string; videoId: string; response: Response }> {
  const size = (await stat(o.path)).size;
  const response = await fetch(`${o.baseUrl}/api/videos`, {
    method: 'POST',
    headers: {
      ...TUS,
      authorization: `Bearer ${o.token}`,
      'Upload-Length': String(size),
      'Upload-Metadata': `filename ${b64(o.filename ?? basename(o.path))}`,
    },
  });
  const location = response.headers.get('location') ?? '';
  const url = new URL(location, o.baseUrl).toString();
  return { url, videoId: url.split('/').pop() ?? '', response };
}

/** Sends the file from the server's offset on (HEAD first), up to `stopAfterBytes`. Returns the final offset. */
export async function resumeTus(url: string, o: RawTusOptions): Promise<number> {
  const size = (await stat(o.path)).size;
  const head = await fetch(url, { method: 'HEAD', headers: { ...TUS, authorization: `Bearer ${o.token}` } });
  if (!head.ok) throw new Error(`HEAD ${url}: ${head.status}`);
  let offset = Number(head.headers.get('upload-offset'));
  const chunk = o.chunkBytes ?? 1024 * 1024;
  const end = Math.min(size, o.stopAfterBytes ?? size);
  const file = await open(o.path, 'r');
  try {
    while (offset < end) {
      const n = Math.min(chunk, end - offset);
      const buf = Buffer.alloc(n);
      await file.read(buf, 0, n, offset);
      const res = await fetch(url, {
        method: 'PATCH',
        headers: {
          ...TUS,
          authorization: `Bearer ${o.token}`,
          'Upload-Offset': String(offset),
          'content-type': 'application/offset+octet-stream',
        },
        body: buf,
      });
      if (res.status !== 204) throw new Error(`PATCH ${url} at ${offset}: ${res.status} ${await res.text()}`);
      offset = Number(res.headers.get('upload-offset'));
    }
  } finally {
    await file.close();
  }
  return offset;
}

/** Create + upload the whole file; returns the video id. */
export async function tusUpload(o: RawTusOptions): Promise<string> {
  const { url, videoId, response } = await createTus(o);
  if (response.status !== 201)
    throw new Error(`POST /api/videos: ${response.status} ${await response.text()}`);
  await resumeTus(url, o);
  return videoId;
}

/** A fresh token for `user` from POST /api/token. */
export async function tokenFor(baseUrl: string, user: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  if (!res.ok) throw new Error(`POST /api/token: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}
