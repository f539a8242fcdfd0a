import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VideoFrame } from '../../core/media.js';
import type { SightlineServer } from '../../server/app.js';
import type { Call } from '../../server/call/call.js';
import { launchBrowser, startCall, type TestBrowser } from '../helpers/browser.js';
import { colourY4m, speechWav } from '../helpers/fixtures.js';
import { type CapturedLog, captureLog, processAlive, startTestServer, waitFor } from '../helpers/server.js';

async function joinCall(server: SightlineServer, browser: TestBrowser) {
  const callPromise = new Promise<Call>((resolve) => server.calls.once('call', resolve));
  const page = await startCall(browser.browser, server.url);
  const call = await callPromise;
  await waitFor(() => call.audioTap && call.videoTap?.ffmpegPid, 10_000, 'both taps');
  return { page, call };
}

/** Reads frames in the background into an array. */
function record(frames: AsyncIterable<VideoFrame>): VideoFrame[] {
  const out: VideoFrame[] = [];
  void (async () => {
    for await (const f of frames) out.push(f);
  })();
  return out;
}

/** Error-level log lines other than the `expected` messages: a fault test expects its own errors, and only those. */
function unexpectedErrors(captured: CapturedLog, expected: string[] = []) {
  return captured.at('error').filter((r) => !expected.includes(r.msg));
}

describe('faults during a call', () => {
  let server: SightlineServer;
  // The faults are provoked on purpose: their log lines are asserted on here, not printed between results.
  const captured = captureLog('info');
  const browsers: TestBrowser[] = [];

  beforeAll(async () => {
    server = await startTestServer({ VIDEO_FPS: '2' }, { log: captured.log });
  });
  beforeEach(() => {
    captured.records.length = 0;
  });
  afterAll(async () => {
    for (const b of browsers) await b.close();
    await server?.close();
  });

  async function browser(): Promise<TestBrowser> {
    const b = await launchBrowser({ audioWav: speechWav(), videoY4m: colourY4m() });
    browsers.push(b);
    return b;
  }

  it('restarts the video tap when its ffmpeg is killed, and frames continue', async () => {
    const { call } = await joinCall(server, await browser());
    const tap = call.videoTap as NonNullable<Call['videoTap']>;
    const frames = record(tap.frames);
    await waitFor(() => frames.length >= 2, 10_000, 'frames before the kill');
    const oldPid = tap.ffmpegPid as number;
    process.kill(oldPid, 'SIGKILL');
    const killedAt = frames.length;
    await waitFor(() => tap.stats.restarts >= 1, 5000, 'a restart');
    await waitFor(() => frames.length >= killedAt + 3, 10_000, 'frames after the restart');
    expect(tap.ffmpegPid).not.toBe(oldPid);
    expect(processAlive(oldPid)).toBe(false);
    const after = frames.slice(killedAt);
    for (let i = 1; i < after.length; i++)
      expect((after[i] as VideoFrame).ptsMs).toBeGreaterThan((after[i - 1] as VideoFrame).ptsMs);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/sightline_video_tap_restarts_total [1-9]/);
    expect(captured.at('warn', 'video tap ffmpeg stopped; restarting').length).toBeGreaterThanOrEqual(1);
    expect(unexpectedErrors(captured)).toEqual([]);
    call.close('test done');
  });

  it('tells the call with a typed error when its mediasoup worker dies, and the server stays up', async () => {
    const { page, call } = await joinCall(server, await browser());
    await page.evaluate(() => {
      const w = globalThis as unknown as {
        sightline: { on(e: string, f: (err: { code: string }) => void): void };
        errors: string[];
      };
      w.errors = [];
      w.sightline.on('error', (err) => w.errors.push(err.code));
    });
    const pid = server.pool.pids[0] as number;
    process.kill(pid, 'SIGKILL');
    const codes = await waitFor(
      async () => {
        const e = await page.evaluate(() => (globalThis as unknown as { errors: string[] }).errors);
        return e.length > 0 ? e : undefined;
      },
      5000,
      'the error event in the page',
    );
    expect(codes).toContain('ERR_MEDIA_WORKER_DIED');
    expect(call.closed).toBe(true);
    await waitFor(() => server.calls.size === 0, 5000, 'the call to be removed');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await waitFor(() => server.pool.alive === 1, 10_000, 'a replacement worker');
    expect(server.pool.pids[0]).not.toBe(pid);
    // Media readiness; the test server has no models, so /readyz is 503 on their account alone.
    expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({ workersAlive: 1 });
    // A new call works on the replacement worker.
    const next = await joinCall(server, await browser());
    expect(next.call.router.closed).toBe(false);
    next.call.close('test done');
    expect(captured.at('error', 'mediasoup worker died').map((r) => r.pid)).toEqual([pid]);
    expect(captured.at('error', 'media worker of this call died').map((r) => r.callId)).toEqual([call.id]);
    expect(unexpectedErrors(captured, ['mediasoup worker died', 'media worker of this call died'])).toEqual(
      [],
    );
  });

  it('frees every transport, consumer and ffmpeg of a browser that vanishes without a goodbye within 5 s', async () => {
    const b = await browser();
    const { call } = await joinCall(server, b);
    const ffmpegPid = call.videoTap?.ffmpegPid as number;
    expect(call.resources).toMatchObject({
      transports: 2,
      producers: 2,
      consumers: 1,
      audioTaps: 1,
      videoTaps: 1,
    });
    expect(await server.pool.routerCount()).toBe(1);
    const t0 = performance.now();
    process.kill(b.pid, 'SIGKILL');
    await waitFor(() => call.closed, 5000, 'the call to close');
    await waitFor(
      async () => (await server.pool.routerCount()) === 0,
      5000 - (performance.now() - t0),
      'the router to go',
    );
    await waitFor(() => !processAlive(ffmpegPid), 5000 - (performance.now() - t0), 'ffmpeg to exit');
    const elapsedMs = performance.now() - t0;
    console.log(`vanished browser cleaned up in ${elapsedMs.toFixed(0)} ms`);
    expect(elapsedMs).toBeLessThan(5000);
    expect(server.calls.size).toBe(0);
    expect(call.resources).toMatchObject({
      transports: 0,
      producers: 0,
      consumers: 0,
      audioTaps: 0,
      videoTaps: 0,
      ffmpegPids: [],
    });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('sightline_calls_active 0');
    expect(metrics).toContain('sightline_media_transports_active 0');
    expect(metrics).toMatch(/sightline_media_taps_active\{kind="video"\} 0/);
    expect(captured.at('info', 'call closed').map((r) => r.callId)).toContain(call.id);
    expect(unexpectedErrors(captured)).toEqual([]);
  });
});

describe('a browser that freezes (no FIN, no pongs)', () => {
  it('is detected by the heartbeat and its call freed within 5 s at the default settings', async () => {
    const captured = captureLog('info');
    // Default heartbeat; no resume window (it would keep the call on purpose, for a `resume`).
    const server = await startTestServer({ CALL_RESUME_WINDOW_MS: '0' }, { log: captured.log });
    const b = await launchBrowser({ audioWav: speechWav(), videoY4m: colourY4m() });
    try {
      const { call } = await joinCall(server, b);
      const ffmpegPid = call.videoTap?.ffmpegPid as number;
      const t0 = performance.now();
      // Freeze every Chromium process (the network service answers pings on its own).
      process.kill(-b.pid, 'SIGSTOP');
      await waitFor(() => call.closed && !processAlive(ffmpegPid), 5000, 'the frozen call to be freed');
      await waitFor(
        async () => (await server.pool.routerCount()) === 0,
        5000 - (performance.now() - t0),
        'the router to go',
      );
      console.log(`frozen browser detected and cleaned up in ${(performance.now() - t0).toFixed(0)} ms`);
      expect(server.calls.size).toBe(0);
      expect(captured.at('info', 'client stopped answering pings').length).toBe(1);
      expect(unexpectedErrors(captured)).toEqual([]);
    } finally {
      process.kill(-b.pid, 'SIGKILL');
      await b.close();
      await server.close();
    }
  });
});
