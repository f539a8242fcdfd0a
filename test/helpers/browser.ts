import { existsSync } from 'node:fs';
import { type Browser, type BrowserServer, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (installed by scripts/setup.mjs). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export interface FakeMedia {
  audioWav?: string;
  videoY4m?: string;
  /** Fake cameras and microphones besides the default (Chromium's `device-count`; 1 when unset). */
  deviceCount?: number;
}

/** A headless Chromium whose process the test controls (so it can be killed without goodbye). */
export interface TestBrowser {
  browser: Browser;
  server: BrowserServer;
  pid: number;
  close(): Promise<void>;
}

export async function launchBrowser(media: FakeMedia = {}): Promise<TestBrowser> {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--autoplay-policy=no-user-gesture-required',
    '--use-fake-ui-for-media-stream',
    media.deviceCount
      ? `--use-fake-device-for-media-stream=device-count=${media.deviceCount}`
      : '--use-fake-device-for-media-stream',
    '--allow-loopback-in-peer-connection',
  ];
  if (media.audioWav) args.push(`--use-file-for-fake-audio-capture=${media.audioWav}`);
  if (media.videoY4m) args.push(`--use-file-for-fake-video-capture=${media.videoY4m}`);
  const server = await chromium.launchServer({ executablePath: CHROMIUM_PATH, args, headless: true });
  const browser = await chromium.connect(server.wsEndpoint());
  const pid = server.process().pid as number;
  return {
    browser,
    server,
    pid,
    async close() {
      await browser.close().catch(() => undefined);
      await server.close().catch(() => undefined);
    },
  };
}

/** Opens the Sightline page and starts a call; resolves once the audio path is ready. */
export async function startCall(browser: Browser, baseUrl: string, query = '?raw=1'): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(`${baseUrl}/${query}`);
  await page.click('#start');
  // The page's state indicator says `listening` once the audio path is ready (ICE + DTLS done).
  await page.waitForSelector('#state[data-state="listening"]', { timeout: 15_000 });
  return page;
}
