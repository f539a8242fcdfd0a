import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SightlineServer } from '../../server/app.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { openSdkPage, type SdkPage } from '../helpers/sdkPage.js';
import { startTestServer, waitFor } from '../helpers/server.js';
import { sha256Hex } from '../helpers/sha256.js';
import { TcpProxy } from '../helpers/tcpProxy.js';
import { shortVideo } from '../helpers/videos.js';

/*
 * `session.uploadVideo` in real Chromium against the real server, through a TCP
 * proxy that cuts or stalls the upload's PATCH part way: progress events, a cut
 * that the SDK resumes from the server's offset (same video id, the stored file
 * byte for byte the source), and a cancel through the signal that leaves
 * nothing on the server. No models are loaded: an upload stays `queued` after
 * it completes, which is all these tests need.
 */

interface UploadResult {
  videoId?: string;
  error?: { code?: string; message: string };
  progress: [number, number][];
}

/** Page side: uploads `/__e2e/video.mp4` (served by the test) with `uploadVideo`; `__abort()` cancels it. */
async function uploadInPage(sdk: SdkPage, cancellable: boolean): Promise<UploadResult> {
  return sdk.page.evaluate(async (withSignal) => {
    const w = globalThis as unknown as {
      __sl: { session: Record<string, (...a: unknown[]) => Promise<unknown>> };
      __progress: [number, number][];
      __abort?: () => void;
    };
    const blob = await (await fetch('/__e2e/video.mp4')).blob();
    const file = new File([blob], 'station.mp4', { type: 'video/mp4' });
    w.__progress = [];
    const controller = new AbortController();
    w.__abort = () => controller.abort();
    try {
      const r = (await w.__sl.session.uploadVideo?.(file, {
        onProgress: (sent: number, total: number) => w.__progress.push([sent, total]),
        ...(withSignal ? { signal: controller.signal } : {}),
      })) as { videoId: string };
      return { videoId: r.videoId, progress: w.__progress };
    } catch (e) {
      const x = e as Error & { code?: string };
      return { error: { code: x.code, message: x.message }, progress: w.__progress };
    }
  }, cancellable);
}

describe('uploadVideo from the SDK: progress, a cut resumed, a cancel', () => {
  let server: SightlineServer;
  let proxy: TcpProxy;
  let browser: TestBrowser;
  let sdk: SdkPage | null = null;
  let bytes: Buffer;
  /** PATCH requests the page sent: their URL and Upload-Offset. */
  let patches: { url: string; offset: number }[] = [];

  const uploadsDir = () => join(server.app.config.video.dataDir, 'uploads');
  const leftovers = (videoId: string) =>
    existsSync(uploadsDir()) ? readdirSync(uploadsDir()).filter((f) => f.startsWith(videoId)) : [];

  beforeAll(async () => {
    // A minute of video (a few hundred KB): a cut at 40% leaves more on the server than its stream buffers.
    bytes = readFileSync(shortVideo(60));
    server = await startTestServer();
    proxy = await TcpProxy.start(server.url);
    browser = await launchBrowser();
  });

  afterEach(async () => {
    proxy.release();
    await sdk?.close();
    sdk = null;
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await server?.close();
  });

  async function session(user: string): Promise<SdkPage> {
    const page = await openSdkPage(browser.browser, proxy.url);
    sdk = page;
    await page.page.route(`${proxy.url}/__e2e/video.mp4`, (route) =>
      route.fulfill({ status: 200, contentType: 'video/mp4', body: bytes }),
    );
    patches = [];
    page.page.on('request', (r: Request) => {
      if (r.method() !== 'PATCH') return;
      patches.push({ url: r.url(), offset: Number(r.headers()['upload-offset']) });
    });
    await page.connect({ auth: { kind: 'getToken', user } });
    return page;
  }

  it('reports progress, survives a cut mid-body by resuming at the server offset, and stores the exact file', async () => {
    const page = await session('net-upload');
    const cutAt = Math.floor(bytes.length * 0.4);
    // Twice: Chromium resends the first cut PATCH by itself; the second cut reaches tus.
    const cut = proxy.trapUpload(cutAt, 'cut', 2);
    const result = await uploadInPage(page, false);
    await cut;
    expect(result.error).toBeUndefined();
    const videoId = result.videoId as string;
    expect(videoId).toMatch(/\S/);

    // Progress: counted against the file's size, some of it before the end, and the end.
    expect(result.progress.length).toBeGreaterThan(1);
    expect(result.progress.every(([sent, total]) => total === bytes.length && sent <= total)).toBe(true);
    expect(result.progress.some(([sent]) => sent > 0 && sent < bytes.length)).toBe(true);
    expect(result.progress.at(-1)).toEqual([bytes.length, bytes.length]);

    // The same upload, continued from where the server had got to (not started over).
    expect(patches.length).toBeGreaterThanOrEqual(2);
    expect(new Set(patches.map((p) => p.url)).size).toBe(1);
    expect(patches[0]?.url.endsWith(`/${videoId}`)).toBe(true);
    expect(patches[0]?.offset).toBe(0);
    const resumedAt = patches.at(-1)?.offset ?? 0;
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(bytes.length);

    // On the server: one video, whole and identical to the source.
    expect(server.app.videos.list('net-upload').map((v) => v.id)).toEqual([videoId]);
    expect(server.app.videos.get('net-upload', videoId).status).not.toBe('uploading');
    expect(sha256Hex(readFileSync(server.app.videos.files.source(videoId)))).toBe(sha256Hex(bytes));
    expect(leftovers(videoId)).toEqual([]);
  });

  it('cancelled through the signal mid-upload: rejects with ERR_ABORTED and nothing is left on the server', async () => {
    const page = await session('net-cancel');
    const stalled = proxy.trapUpload(Math.floor(bytes.length * 0.3), 'stall');
    const upload = uploadInPage(page, true);
    await stalled;
    // The server has the upload under way (created, some bytes in).
    const video = await waitFor(
      () => server.app.videos.list('net-cancel').find((v) => v.status === 'uploading'),
      10_000,
      'the upload on the server',
    );
    await waitFor(() => leftovers(video.id).length > 0, 10_000, 'the partial file on the server');
    await page.page.evaluate(() => (globalThis as unknown as { __abort(): void }).__abort());
    const result = await upload;
    expect(result.videoId).toBeUndefined();
    expect(result.error?.code).toBe('ERR_ABORTED');
    proxy.release();
    // The released bytes may still finish the PATCH after the DELETE: the server then renames the
    // file to its source and, finding the row gone, removes it again. Wait for the end state.
    await waitFor(
      () =>
        server.app.videos.list('net-cancel').length === 0 &&
        leftovers(video.id).length === 0 &&
        !existsSync(server.app.videos.files.dir(video.id)),
      10_000,
      'the cancelled upload to be gone from the server (row, partial file, video folder)',
    );
    // And it stays gone (no late request brings it back).
    await new Promise((r) => setTimeout(r, 1000));
    expect(server.app.videos.list('net-cancel')).toEqual([]);
    expect(existsSync(server.app.videos.files.dir(video.id))).toBe(false);
    expect(leftovers(video.id)).toEqual([]);
  });
});
