import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.js';
import { FakeLlm } from '../../pipelines/testing/fakes/fakeLlm.js';
import type { AskResponse, IngestProgress } from '../../protocol/video.js';
import { SightlineServer } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { tinyModelSetDir } from '../helpers/tinyModels.js';
import { shortVideo, stationVideo } from '../helpers/videos.js';

const ARTIFACTS = join(import.meta.dirname, '../artifacts');

/** What the timeline page exposes as `window.timeline`. */
interface PageState {
  answers: AskResponse[];
  progress: IngestProgress[];
}
const pageState = (page: Page) =>
  page.evaluate(() => {
    const t = (globalThis as unknown as { timeline: PageState }).timeline;
    return { answers: t.answers, progress: t.progress };
  });

/**
 * The timeline page in real Chromium against a real server (tiny models for
 * ingest; an LLM that always cites 00:03, so the click is deterministic):
 * upload through the page's file input, ingest to ready, ask, click the cited
 * timestamp, and the player is there.
 */
describe('the timeline page: upload, ingest, ask, seek to the cited moment', () => {
  let server: SightlineServer;
  let browser: TestBrowser;
  let page: Page;
  let dataDir: string;
  const llm = new FakeLlm({ reply: 'At 00:03 the sign on screen changes to the next scene.' });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sightline-timeline-'));
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      MEDIASOUP_WORKERS: '1',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
      SIGHTLINE_MODELS_DIR: tinyModelSetDir(),
      SIGHTLINE_DATA_DIR: dataDir,
    });
    server = await SightlineServer.create(config, {
      log: createLogger({ level: config.log.level }),
      remote: { llm, stt: null, tts: null, describe: { llm: 'fake-llm' } },
    });
    browser = await launchBrowser();
    page = await browser.browser.newPage({ viewport: { width: 1100, height: 1400 } });
    page.on('pageerror', (e) => console.error('[page error]', e.message));
    await page.goto(`${server.url}/timeline`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('uploads through the file input and follows the ingest to ready (progress ends at 100 %)', async () => {
    await page.setInputFiles('#file', shortVideo());
    await page.waitForFunction(
      () => {
        const p = (globalThis as unknown as { timeline: PageState }).timeline.progress.at(-1);
        return p && (p.status === 'ready' || p.status === 'failed');
      },
      null,
      { timeout: 100_000 },
    );
    const { progress } = await pageState(page);
    expect(progress.at(-1)).toMatchObject({ status: 'ready', percent: 100 });
    const percents = progress.map((p) => p.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    await page.waitForSelector('#viewer:not([hidden])');
    expect(await page.locator('#scrubber button').count()).toBeGreaterThan(0);
    expect(await page.locator('#videos li[aria-current="true"] button.open').isEnabled()).toBe(true);
  });

  it('asks "what happened at 3 seconds", shows the evidence, and a cited timestamp seeks the player', async () => {
    await page.fill('#question', 'what happened at 3 seconds');
    await page.press('#question', 'Enter');
    await page.waitForFunction(
      () => (globalThis as unknown as { timeline: PageState }).timeline.answers.length > 0,
      null,
      {
        timeout: 30_000,
      },
    );
    const [answer] = (await pageState(page)).answers;
    expect(answer?.citations).toContainEqual({ tMs: 3000, label: '00:03' });
    expect(answer?.evidence.frames.length).toBeGreaterThan(0);
    // What the model was shown is on the page: one thumbnail per evidence frame.
    expect(await page.locator('#answer .evidence-frames img').count()).toBe(answer?.evidence.frames.length);
    await page.evaluate(() => {
      (document.getElementById('player') as HTMLVideoElement).currentTime = 0;
    });
    // Keyboard: focus the citation and press Enter, as a person without a mouse would.
    const cite = page.locator('#answer [data-role="citations"] button[data-t-ms="3000"]');
    await cite.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => Math.abs((document.getElementById('player') as HTMLVideoElement).currentTime - 3) <= 0.5,
      null,
      { timeout: 10_000 },
    );
    const t = await page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).currentTime);
    expect(Math.abs(t - 3)).toBeLessThanOrEqual(0.5);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'timeline.png'), fullPage: true });
  });

  it('a reload sees the same videos (the user is remembered); ?video=&t= opens it at t', async () => {
    const id = await page.locator('#videos li[aria-current="true"]').getAttribute('data-video-id');
    await page.goto(`${server.url}/timeline?video=${id}&t=4`);
    await page.waitForSelector('#viewer:not([hidden])');
    await page.waitForFunction(
      () => Math.abs((document.getElementById('player') as HTMLVideoElement).currentTime - 4) <= 0.5,
      null,
      { timeout: 10_000 },
    );
    expect(await page.locator('#videos li').count()).toBe(1);
  });

  it('fits a phone: nothing wider than the screen', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('Cancel during indexing stops the ingest: the server says cancelled and the page says so', async () => {
    await page.setViewportSize({ width: 1100, height: 1400 });
    const seen = (await pageState(page)).progress.length;
    await page.setInputFiles('#file', stationVideo());
    const id = await page.waitForFunction(
      (n) => {
        const fresh = (globalThis as unknown as { timeline: PageState }).timeline.progress.slice(n);
        return fresh.find((p) => p.status === 'ingesting')?.videoId ?? false;
      },
      seen,
      { timeout: 60_000 },
    );
    const videoId = (await id.jsonValue()) as string;
    await page.click('#upload-cancel');
    await page.waitForFunction(
      (v) =>
        (globalThis as unknown as { timeline: PageState }).timeline.progress.some(
          (p) => p.videoId === v && p.status === 'cancelled',
        ),
      videoId,
      { timeout: 30_000 },
    );
    expect(server.app.videos.catalog.info(videoId)?.status).toBe('cancelled');
    await page.waitForSelector('#upload', { state: 'hidden' });
  });
});
