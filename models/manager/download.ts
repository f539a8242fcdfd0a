import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isMissingFile } from '../../core/files.js';
import { ModelError } from '../runtime/errors.js';
import type { TransferProgress } from './progress.js';

/** What the server says about a file before it is fetched. */
export interface RemoteInfo {
  /** sha256 of an LFS file, from X-Linked-Etag (Hugging Face and its mirrors send it). */
  sha256: string | null;
  sizeBytes: number | null;
}

export interface DownloadOptions {
  expectedSha256?: string | null;
  expectedSizeBytes?: number | null;
  label?: string;
  onProgress?: (p: TransferProgress, done?: boolean) => void;
  signal?: AbortSignal;
  /** Attempts after a dropped connection; each resumes where the last stopped. */
  retries?: number;
  fetchImpl?: typeof fetch;
}

const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNRESET',
  'ETIMEDOUT',
]);

/** Turns fetch's "fetch failed" into a clear offline error; other errors pass through. */
function networkError(url: string, error: unknown): unknown {
  if (!(error instanceof TypeError)) return error;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const host = new URL(url).host;
  if (cause?.code && NETWORK_CODES.has(cause.code)) {
    return new ModelError(
      'ERR_DOWNLOAD_OFFLINE',
      `cannot reach ${host} (${cause.code}). Check the network, set HF_ENDPOINT to a reachable mirror, or copy the model files into the models directory.`,
      { cause: error },
    );
  }
  return new ModelError(
    'ERR_DOWNLOAD_HTTP',
    `cannot fetch from ${host}: ${cause?.message ?? error.message}`,
    { cause: error },
  );
}

function unquote(etag: string | null): string | null {
  const v = etag?.replace(/^W\//, '').replace(/"/g, '').trim() ?? '';
  return /^[0-9a-f]{64}$/.test(v) ? v : null;
}

/** Asks for a file's size and LFS sha256 without downloading it (HEAD, redirects not followed). */
export async function probe(
  url: string,
  options: { signal?: AbortSignal; fetchImpl?: typeof fetch } = {},
): Promise<RemoteInfo> {
  const f = options.fetchImpl ?? fetch;
  let res: Response;
  try {
    res = await f(url, { method: 'HEAD', redirect: 'manual', signal: options.signal });
  } catch (error) {
    throw networkError(url, error);
  }
  if (res.status >= 400) {
    throw new ModelError('ERR_DOWNLOAD_HTTP', `${url} answered ${res.status} ${res.statusText}`);
  }
  const linkedSize = res.headers.get('x-linked-size');
  const length = res.status < 300 ? res.headers.get('content-length') : null;
  const size = linkedSize ?? length;
  return { sha256: unquote(res.headers.get('x-linked-etag')), sizeBytes: size ? Number(size) : null };
}

async function hashFile(path: string): Promise<ReturnType<typeof createHash>> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash;
}

/** The size of `path`; 0 when it does not exist (any other stat failure is thrown). */
async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (isMissingFile(error)) return 0;
    throw error;
  }
}

/**
 * Downloads `url` to `dest` through `dest.part`: resumes with a Range request
 * after a dropped connection, checks size and sha256, and only then renames the
 * file into place. A file that fails its checksum is deleted, never left behind.
 */
export async function downloadFile(
  url: string,
  dest: string,
  o: DownloadOptions = {},
): Promise<{ sha256: string; sizeBytes: number }> {
  const f = o.fetchImpl ?? fetch;
  const part = `${dest}.part`;
  await mkdir(dirname(dest), { recursive: true });
  const retries = o.retries ?? 5;
  const label = o.label ?? dest;
  const startedMs = Date.now();
  let lastError: unknown = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)));
    let have = await sizeOf(part);
    const hash = have > 0 ? await hashFile(part) : createHash('sha256');
    let res: Response;
    try {
      res = await f(url, { headers: have > 0 ? { range: `bytes=${have}-` } : {}, signal: o.signal });
    } catch (error) {
      const e = networkError(url, error);
      if (e instanceof ModelError || o.signal?.aborted) throw e instanceof ModelError ? e : abortError(error);
      lastError = e;
      continue;
    }
    if (res.status === 416 && have > 0) {
      await res.body?.cancel();
    } else {
      if (res.status >= 400) {
        await res.body?.cancel();
        const e = new ModelError('ERR_DOWNLOAD_HTTP', `${url} answered ${res.status} ${res.statusText}`);
        if (res.status < 500) throw e;
        lastError = e;
        continue;
      }
      if (have > 0 && res.status !== 206) {
        // The server ignored the range: start over.
        await truncate(part, 0);
        have = 0;
        return downloadFile(url, dest, { ...o, retries: retries - attempt });
      }
      const total = totalSize(res, have) ?? o.expectedSizeBytes ?? null;
      const file = await open(part, 'a');
      let done = have;
      try {
        if (!res.body) throw new ModelError('ERR_DOWNLOAD_HTTP', `${url} answered with no body`);
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          await file.write(chunk);
          hash.update(chunk);
          done += chunk.length;
          const elapsedS = Math.max(0.001, (Date.now() - startedMs) / 1000);
          o.onProgress?.({ label, doneBytes: done, totalBytes: total, bytesPerS: (done - have) / elapsedS });
        }
      } catch (error) {
        await file.close();
        if (o.signal?.aborted) throw abortError(error);
        lastError = error;
        continue;
      }
      await file.close();
      o.onProgress?.({ label, doneBytes: done, totalBytes: total, bytesPerS: 0 }, true);
    }
    const sizeBytes = await sizeOf(part);
    const sha256 = hash.digest('hex');
    if (o.expectedSizeBytes != null && sizeBytes !== o.expectedSizeBytes) {
      await rm(part, { force: true });
      throw new ModelError(
        'ERR_DOWNLOAD_SIZE',
        `${label}: got ${sizeBytes} bytes, expected ${o.expectedSizeBytes}`,
      );
    }
    if (o.expectedSha256 && sha256 !== o.expectedSha256) {
      await rm(part, { force: true });
      throw new ModelError(
        'ERR_DOWNLOAD_CHECKSUM',
        `${label}: sha256 ${sha256} does not match the expected ${o.expectedSha256}`,
      );
    }
    await rename(part, dest);
    return { sha256, sizeBytes };
  }
  throw new ModelError('ERR_DOWNLOAD_HTTP', `${label}: download failed after ${retries + 1} attempts`, {
    cause: lastError,
  });
}

function totalSize(res: Response, have: number): number | null {
  const range = res.headers.get('content-range');
  const m = range ? /\/(\d+)$/.exec(range) : null;
  if (m) return Number(m[1]);
  const len = res.headers.get('content-length');
  return len ? Number(len) + have : null;
}

function abortError(cause: unknown): ModelError {
  return new ModelError('ERR_ABORTED', 'the download was aborted', { cause });
}
