import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoFrame } from '../../core/media.js';
import type { SightlineServer } from '../../server/app.js';
import type { Call } from '../../server/call/call.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { FIXTURE_DIR } from '../helpers/fixtures.js';
import { startTestServer, waitFor } from '../helpers/server.js';

/*
 * Each setting measured alone in this test (START_BITRATE_QUERY, the page's ?vStartKbps=, ?vMaxKbps=,
 * ?vKeepRes= knobs), what the browser sent in the first 8 s of a 640x480 camera:
 *   browser defaults (start ~300 kbps)            320x240 throughout, qualityLimitationReason "bandwidth"
 *   encodings maxBitrate 2500k, scale 1 only      320x240 throughout ("bandwidth"), even once the target reached 2.5 Mbps
 *   x-google-start-bitrate 1000 only              640x480 from the first encoded frame (target 750 kbps rising)
 *   contentHint 'detail' only                     640x480 from the first frame (maintain-resolution: frame rate gives)
 *   all three (the SDK's defaults)                640x480 from the first frame, target 1.5-2.5 Mbps
 * The server side has nothing to set: `initialAvailableOutgoingBitrate` is the server's sending
 * estimate (the assistant's voice), and mediasoup's receive-side feedback follows what arrives.
 */

/** The camera's capture size: a webcam's usual 640x480. */
const CAPTURE = { width: 640, height: 480, fps: 15 };
/** The tap's sampling rate: its maximum, so the size is seen changing within a fifth of a second. */
const TAP_FPS = 5;
/** How long the page samples what it sends, from the camera's start. */
const SENT_WATCH_MS = 8000;
/** How long the tap's frames are watched, from its first. */
const TAP_WATCH_MS = 5000;
const FULL = `${CAPTURE.width}x${CAPTURE.height}`;

/**
 * A 640x480 clip with detail and noise in every frame, so the encoder needs real
 * bitrate: a flat test card would fit any bandwidth estimate at full size and hide
 * the problem (a low start bitrate that sends 320x240 for the first seconds).
 */
function detailedY4m(): string {
  const { width, height, fps } = CAPTURE;
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const path = join(FIXTURE_DIR, `detail-${width}x${height}.y4m`);
  if (!existsSync(path)) {
    const tmp = `${path}.${process.pid}.tmp.y4m`;
    // biome-ignore format: one option and its value per line reads better
    execFileSync('ffmpeg', [
      '-v', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=s=${width}x${height}:r=${fps}:d=4`,
      '-vf', 'noise=alls=24:allf=t+u,format=yuv420p',
      '-f', 'yuv4mpegpipe', tmp,
    ]);
    renameSync(tmp, path);
  }
  return path;
}

/** Sizes the tap saw, in order, with the first ptsMs of each run of one size. */
function sizeRuns(frames: VideoFrame[]): { size: string; fromMs: number; frames: number }[] {
  const runs: { size: string; fromMs: number; frames: number }[] = [];
  for (const f of frames) {
    const size = `${f.width}x${f.height}`;
    const last = runs.at(-1);
    if (last?.size === size) last.frames++;
    else runs.push({ size, fromMs: Math.round(f.ptsMs), frames: 1 });
  }
  return runs;
}

/** One look at the camera's outbound-rtp stats; `atMs` from the camera's start. */
interface OutboundSample {
  atMs: number;
  width: number;
  height: number;
  targetKbps: number;
  limitation: string;
}

interface SamplerGlobals {
  cameraStartedAtMs?: number;
  outboundDone?: OutboundSample[];
}

/**
 * Runs in the page before its scripts: notes when getUserMedia gives the camera
 * (wall clock) and from then samples every peer connection's outbound video
 * stats (size, target bitrate, what limits quality) for `forMs`.
 */
function installOutboundSampler({ forMs, everyMs }: { forMs: number; everyMs: number }): void {
  const g = globalThis as SamplerGlobals;
  const pcs: RTCPeerConnection[] = [];
  const Pc = RTCPeerConnection;
  globalThis.RTCPeerConnection = class extends Pc {
    constructor(config?: RTCConfiguration) {
      super(config);
      pcs.push(this);
    }
  };
  const media = navigator.mediaDevices;
  const gum = media.getUserMedia.bind(media);
  media.getUserMedia = async (constraints) => {
    const stream = await gum(constraints);
    const t0 = Date.now();
    g.cameraStartedAtMs = t0;
    const out: OutboundSample[] = [];
    void (async () => {
      while (Date.now() - t0 < forMs) {
        for (const pc of pcs) {
          for (const r of (await pc.getStats()).values()) {
            if (r.type !== 'outbound-rtp' || r.kind !== 'video') continue;
            out.push({
              atMs: Date.now() - t0,
              width: r.frameWidth ?? 0,
              height: r.frameHeight ?? 0,
              targetKbps: Math.round((r.targetBitrate ?? 0) / 1000),
              limitation: r.qualityLimitationReason ?? '?',
            });
          }
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
      g.outboundDone = out;
    })();
    return stream;
  };
}

describe('the camera reaches the server at its capture size from the first seconds', () => {
  let server: SightlineServer;
  let browser: TestBrowser;
  let page: Page;
  let call: Call;
  const frames: VideoFrame[] = [];
  /** When getUserMedia gave the page its camera, on the call's timeline (the frames' ptsMs). */
  let cameraStartMs = 0;
  /** What the browser said it sent, from the camera's outbound-rtp stats. */
  let sent: OutboundSample[] = [];

  beforeAll(async () => {
    server = await startTestServer({ VIDEO_FPS: String(TAP_FPS) });
    browser = await launchBrowser({ videoY4m: detailedY4m() });
    const callPromise = new Promise<Call>((resolve) => server.calls.once('call', resolve));
    page = await browser.browser.newPage();
    page.on('pageerror', (e) => console.error('[page error]', e.message));
    await page.addInitScript(installOutboundSampler, { forMs: SENT_WATCH_MS, everyMs: 200 });
    await page.goto(`${server.url}/${process.env.START_BITRATE_QUERY ?? ''}`);
    await page.click('#start');
    call = await callPromise;
    const tap = await waitFor(() => call.videoTap, 15_000, 'the video tap');
    // The page's wall clock and the server's monotonic clock, on one machine: map one onto the other.
    const startedAtWallMs = await waitFor(
      () => page.evaluate(() => (globalThis as SamplerGlobals).cameraStartedAtMs),
      5000,
      'the camera',
    );
    const wallToClockMs = Date.now() - server.app.clock.nowMs();
    cameraStartMs = startedAtWallMs - wallToClockMs - call.startedAtMs;
    const deadline = performance.now() + 30_000;
    for await (const f of tap.frames) {
      frames.push(f);
      if (f.ptsMs > (frames[0] as VideoFrame).ptsMs + TAP_WATCH_MS || performance.now() > deadline) break;
    }
    sent = await waitFor(
      () => page.evaluate(() => (globalThis as SamplerGlobals).outboundDone),
      SENT_WATCH_MS + 5000,
      'the outbound samples',
    );
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /*
   * Sizes only, never wall time (the shared machine's load decides that: the whole path, camera to
   * decoded frame, measured 1.7-2.3 s at load 6-8 and 3.5-19 s at load 10-21; it is printed here).
   * The browser's default start (~300 kbps) would show up as 320x240 in the first samples and frames.
   */
  it(`the browser sends ${CAPTURE.width}x${CAPTURE.height} from its first encoded frame, and keeps that size`, () => {
    const runs: string[] = [];
    for (const x of sent) {
      const line = `${x.width}x${x.height} ${x.targetKbps}kbps ${x.limitation}`;
      if (!runs.at(-1)?.endsWith(line)) runs.push(`+${x.atMs}ms ${line}`);
    }
    console.log(
      `start bitrate (${process.env.START_BITRATE_QUERY || 'defaults'}): browser sent ${runs.join(' | ')}`,
    );
    const sending = sent.filter((x) => x.width > 0);
    expect(sending.length).toBeGreaterThan(0);
    expect(sending.map((x) => `${x.width}x${x.height}`).filter((size) => size !== FULL)).toEqual([]);
  });

  it(`the server's video tap gets ${CAPTURE.width}x${CAPTURE.height} from its first frame on`, () => {
    const runs = sizeRuns(frames);
    const firstMs = (frames[0] as VideoFrame).ptsMs;
    console.log(
      `start bitrate (${process.env.START_BITRATE_QUERY || 'defaults'}): camera at ${cameraStartMs.toFixed(0)} ms, first tap frame ${(firstMs - cameraStartMs).toFixed(0)} ms later; sizes ${runs.map((r) => `${r.size} from ${r.fromMs} ms (${r.frames})`).join(', ')}`,
    );
    expect(frames.map((f) => `${f.width}x${f.height}`).filter((size) => size !== FULL)).toEqual([]);
    expect(frames.length).toBeGreaterThanOrEqual((TAP_WATCH_MS / 1000) * TAP_FPS * 0.6);
  });
});
