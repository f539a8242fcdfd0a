import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SightlineServer } from '../../server/app.js';
import type { Call } from '../../server/call/call.js';
import { launchBrowser, startCall, type TestBrowser } from '../helpers/browser.js';
import { colourY4m, speechWav } from '../helpers/fixtures.js';
import { startTestServer, waitFor } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Audio frames the call's tap put out over `ms` of real time (the browser sends in real time). */
async function framesOver(call: Call, ms: number): Promise<number> {
  const before = call.audioTap?.stats.framesOut ?? 0;
  await sleep(ms);
  return (call.audioTap?.stats.framesOut ?? 0) - before;
}

describe('mute on the server: a paused producer feeds nothing to the tap', () => {
  let server: SightlineServer;
  let browser: TestBrowser;
  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser({ audioWav: speechWav(), videoY4m: colourY4m() });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('counts the microphone frames reaching the server while live, paused and resumed', async () => {
    const callPromise = new Promise<Call>((resolve) => server.calls.once('call', resolve));
    await startCall(browser.browser, server.url);
    const call = await callPromise;
    await waitFor(
      () => call.audioTap && (call.audioTap.stats.framesOut ?? 0) > 10,
      15_000,
      'audio at the tap',
    );
    const mic = call.producers.find((p) => p.source === 'mic');
    expect(mic).toBeDefined();
    const live = await framesOver(call, 1000);

    await call.pauseProducer(mic?.id as string);
    expect(call.producers.find((p) => p.id === mic?.id)?.paused).toBe(true);
    await sleep(300); // what was already in flight
    const paused = await framesOver(call, 1500);

    await call.resumeProducer(mic?.id as string);
    await sleep(300);
    const resumed = await framesOver(call, 1000);
    console.log(`tap frames: live ${live}/s, paused ${paused}/1.5 s, resumed ${resumed}/s`);
    // 20 ms frames: ~50 a second while the microphone is live, none while it is muted.
    expect(live).toBeGreaterThan(30);
    expect(paused).toBe(0);
    expect(resumed).toBeGreaterThan(30);
  });
});
