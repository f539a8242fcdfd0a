// The return path as a person hears it: for the first replies of fresh calls, the time from the
// server sending a reply's first packet to the page's analyser hearing it (the browser's jitter
// buffer starts large and shrinks, so the first reply of a call is the one to watch).
import { createLogger } from '../core/log.js';
import { SightlineServer } from '../server/app.js';
import type { Call } from '../server/call/call.js';
import { loadConfig } from '../server/config.js';
import { launchBrowser, startCall } from '../test/helpers/browser.js';
import { waitFor } from '../test/helpers/server.js';
import { installToneProbe, measureTones } from '../test/helpers/toneProbe.js';

export interface ReturnPathOptions {
  calls: number;
  repliesPerCall: number;
  /** When the first reply starts, ms after media connects (a person's first question takes a few seconds). */
  firstReplyAfterMs: number;
  /** Between replies. */
  gapMs: number;
  /** Extra server environment (e.g. a pacer setting under test). */
  env?: Record<string, string>;
}

/** Per reply index (0 = first of its call): the latencies measured over all calls, ms. */
export async function measureReturnPath(o: ReturnPathOptions): Promise<number[][]> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    MEDIASOUP_WORKERS: '1',
    LOG_LEVEL: 'error',
    ...o.env,
  });
  const server = await SightlineServer.create(config, { log: createLogger({ level: 'error' }) });
  const byIndex: number[][] = Array.from({ length: o.repliesPerCall }, () => []);
  try {
    for (let c = 0; c < o.calls; c++) {
      const browser = await launchBrowser();
      try {
        const callP = new Promise<Call>((r) => server.calls.once('call', r));
        const page = await startCall(browser.browser, server.url);
        const call = await callP;
        await page.waitForFunction(
          () =>
            (globalThis as unknown as { sightline: { assistantTrack: unknown } }).sightline.assistantTrack,
        );
        await waitFor(() => call.audioTap, 10_000, 'the audio tap');
        await installToneProbe(page);
        await new Promise((r) => setTimeout(r, o.firstReplyAfterMs));
        for (let i = 0; i < o.repliesPerCall; i++) {
          const [t] = await measureTones(page, call.sink, 1, 400);
          if (t) byIndex[i]?.push(t.heardAtMs - t.firstPacketAtMs);
          await new Promise((r) => setTimeout(r, o.gapMs));
        }
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.close();
  }
  return byIndex;
}
