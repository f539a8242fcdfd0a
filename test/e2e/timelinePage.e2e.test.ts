import { readFileSync } from 'node:fs';
import type { Page, Route } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoTimeline } from '../../protocol/timeline.js';
import type { AskResponse, IngestProgress, VideoInfo } from '../../protocol/video.js';
import type { SightlineServer } from '../../server/app.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { startTestServer } from '../helpers/server.js';
import { shortVideo } from '../helpers/videos.js';

const info = (id: string, status: VideoInfo['status'], percent: number): VideoInfo => ({
  id,
  name: `${id}.mp4`,
  status,
  stage: status === 'ready' ? 'index' : null,
  percent,
  sizeBytes: 1,
  storedBytes: 1,
  durationMs: 6000,
  width: 480,
  height: 270,
  hasAudio: true,
  hasVideo: true,
  createdAtMs: 1,
  readyAtMs: status === 'ready' ? 2 : null,
  error: null,
  thumbnailUrl: null,
});

/**
 * The timeline page's own logic in real Chromium, against a scripted video API
 * (routes fulfilled by the test): a tus upload with its progress, SSE ingest
 * stages, the library, thumbnails, transcript, an answer whose citation seeks
 * the real player. The page and its bundle come from the real server.
 */
describe('the timeline page against a scripted video API', () => {
  let server: SightlineServer;
  let browser: TestBrowser;
  let page: Page;
  const videos: VideoInfo[] = [];
  const patches: number[] = [];
  const asks: unknown[] = [];
  const auth: (string | undefined)[] = [];
  let thumb: Buffer;

  const progress = (percent: number, status: IngestProgress['status'], stage: IngestProgress['stage']) =>
    `event: progress\ndata: ${JSON.stringify({ videoId: 'up1', status, stage, stagePercent: 100, percent, error: null })}\n\n`;

  async function api(route: Route): Promise<void> {
    const req = route.request();
    const url = new URL(req.url());
    const json = (body: unknown, status = 200) =>
      route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    auth.push(req.headers().authorization ?? url.searchParams.get('access_token') ?? undefined);
    const path = `${req.method()} ${url.pathname}`;
    if (path === 'POST /api/token') return json({ token: 'TOKEN-1' });
    if (path === 'POST /api/videos') {
      videos.push(info('up1', 'uploading', 0));
      return route.fulfill({
        status: 201,
        headers: {
          location: '/api/videos/up1',
          'tus-resumable': '1.0.0',
          'access-control-expose-headers': 'location',
        },
      });
    }
    if (path === 'PATCH /api/videos/up1') {
      const bytes = req.postDataBuffer()?.length ?? 0;
      patches.push(bytes);
      const offset = Number(req.headers()['upload-offset'] ?? 0) + bytes;
      return route.fulfill({
        status: 204,
        headers: { 'upload-offset': String(offset), 'tus-resumable': '1.0.0' },
      });
    }
    if (path === 'GET /api/videos/up1/events') {
      videos[0] = info('up1', 'ready', 100);
      return route.fulfill({
        status: 200,
        contentType: 'text/event-stream',
        body: `: hello\n\n${progress(10, 'ingesting', 'frames')}${progress(55, 'ingesting', 'audio')}${progress(100, 'ready', 'index')}`,
      });
    }
    if (path === 'GET /api/videos') return json(videos);
    if (path === 'GET /api/videos/up1/timeline') {
      const t: VideoTimeline = {
        videoId: 'up1',
        name: 'up1.mp4',
        durationMs: 6000,
        mediaUrl: '/api/videos/up1/media?access_token=TOKEN-1',
        chapters: [{ startMs: 3000, endMs: 6000, title: 'The second scene' }],
        transcript: [{ startMs: 500, endMs: 2500, text: 'the train to the airport leaves' }],
        ocr: [{ tMs: 3000, text: 'PLATFORM9CLOSED' }],
        frames: [0, 1000, 2000, 3000, 4000, 5000].map((tMs) => ({
          tMs,
          thumbUrl: `/api/videos/up1/thumbs/${tMs}.jpg?access_token=TOKEN-1`,
          frameUrl: `/api/videos/up1/frames/${tMs}.jpg?access_token=TOKEN-1`,
          kept: tMs % 3000 === 0,
          scene: tMs % 3000 === 0,
        })),
      };
      return json(t);
    }
    if (path === 'POST /api/videos/up1/ask') {
      asks.push(req.postDataJSON());
      const a: AskResponse = {
        videoId: 'up1',
        question: 'what happened at 3 seconds',
        kind: 'time',
        window: { startMs: 0, endMs: 6000 },
        answer: 'At 00:03 the sign says platform 9 is closed.',
        citations: [{ tMs: 3000, label: '00:03' }],
        evidence: {
          frames: [
            { tMs: 2000, url: '/api/videos/up1/frames/2000.jpg?access_token=TOKEN-1', role: 'dense' },
            { tMs: 3000, url: '/api/videos/up1/frames/3000.jpg?access_token=TOKEN-1', role: 'dense' },
          ],
          transcript: [{ startMs: 500, endMs: 2500, text: 'the train to the airport leaves' }],
          ocr: [{ tMs: 3000, text: 'PLATFORM9CLOSED' }],
        },
        moments: [],
        chapters: [],
        timings: { retrievalMs: 3, llmMs: 40 },
      };
      return json(a);
    }
    if (path === 'GET /api/videos/up1/media') {
      // Seeking needs byte ranges, as the real media route serves them.
      const whole = readFileSync(shortVideo());
      const range = /bytes=(\d+)-(\d*)/.exec(req.headers().range ?? '');
      if (!range) return route.fulfill({ status: 200, contentType: 'video/mp4', body: whole });
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), whole.length - 1) : whole.length - 1;
      return route.fulfill({
        status: 206,
        contentType: 'video/mp4',
        headers: { 'content-range': `bytes ${start}-${end}/${whole.length}`, 'accept-ranges': 'bytes' },
        body: whole.subarray(start, end + 1),
      });
    }
    if (url.pathname.endsWith('.jpg'))
      return route.fulfill({ status: 200, contentType: 'image/jpeg', body: thumb });
    return json({ error: { code: 'ERR_NOT_FOUND', message: `not scripted: ${path}` } }, 404);
  }

  beforeAll(async () => {
    thumb = await sharp({ create: { width: 160, height: 90, channels: 3, background: '#369' } })
      .jpeg()
      .toBuffer();
    server = await startTestServer();
    browser = await launchBrowser();
    page = await browser.browser.newPage({ viewport: { width: 1100, height: 1400 } });
    page.on('pageerror', (e) => console.error('[page error]', e.message));
    await page.route('**/api/**', api);
    await page.goto(`${server.url}/timeline`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('uploads with tus (bytes, then ingest stages) and opens the video when it is ready', async () => {
    await page.setInputFiles('#file', shortVideo());
    await page.waitForSelector('#viewer:not([hidden])', { timeout: 20_000 });
    expect(patches.reduce((a, b) => a + b, 0)).toBe(readFileSync(shortVideo()).length);
    const seen = await page.evaluate(
      () => (globalThis as unknown as { timeline: { progress: IngestProgress[] } }).timeline.progress,
    );
    expect(seen.map((p) => [p.stage, p.percent])).toEqual([
      ['frames', 10],
      ['audio', 55],
      ['index', 100],
    ]);
    expect(auth.filter((a) => a !== undefined).every((a) => a === 'Bearer TOKEN-1' || a === 'TOKEN-1')).toBe(
      true,
    );
    expect(await page.locator('#scrubber button').count()).toBe(6);
    expect(await page.locator('#scrubber button.scene').count()).toBe(2);
    expect(await page.locator('#transcript li').textContent()).toContain('the train to the airport leaves');
    expect(await page.locator('#ocr li').textContent()).toContain('PLATFORM9CLOSED');
    expect(await page.getAttribute('#player', 'src')).toBe('/api/videos/up1/media?access_token=TOKEN-1');
  });

  it('a thumbnail seeks; an answer shows its evidence; its citation (by keyboard) seeks the player', async () => {
    await page.click('#scrubber button[data-t-ms="5000"]');
    await page.waitForFunction(
      () => Math.abs((document.getElementById('player') as HTMLVideoElement).currentTime - 5) < 0.5,
    );
    await page.fill('#question', 'what happened at 3 seconds');
    await page.press('#question', 'Enter');
    await page.waitForSelector('#answer:not([hidden])');
    expect(asks).toEqual([{ question: 'what happened at 3 seconds' }]);
    expect(await page.locator('#answer .evidence-frames figcaption').allTextContents()).toEqual([
      '00:02 dense',
      '00:03 dense',
    ]);
    const cite = page.locator('#answer [data-role="citations"] button[data-t-ms="3000"]');
    expect(await cite.textContent()).toBe('00:03');
    await cite.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => Math.abs((document.getElementById('player') as HTMLVideoElement).currentTime - 3) <= 0.5,
    );
  });

  it('fits a phone: nothing wider than the screen', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
