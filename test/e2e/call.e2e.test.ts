import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioFrame, VideoFrame } from '../../core/media.js';
import type { SightlineServer } from '../../server/app.js';
import type { Call } from '../../server/call/call.js';
import { launchBrowser, startCall, type TestBrowser } from '../helpers/browser.js';
import {
  COLOUR_SEGMENT_MS,
  COLOUR_SEQUENCE,
  colourY4m,
  readWav,
  speechWav,
  VIDEO_SIZE,
} from '../helpers/fixtures.js';
import { startTestServer, waitFor } from '../helpers/server.js';
import {
  activity,
  bestCyclicLag,
  classifyColour,
  meanRgb,
  rmsEnvelope,
  transitions,
} from '../helpers/signal.js';
import { installToneProbe, measureTones } from '../helpers/toneProbe.js';

const FPS = 2;
const CAPTURE_MS = 9000;
const BIN_MS = 10;

/*
 * Return-audio latency bounds, on the median of 10 bursts (one slow burst on a busy machine does not
 * fail the test). Medians measured on the shared 2-core machine (load 1.2 and 2.9): play() -> first
 * packet 22-23 ms (the pacer's next 20 ms slot), first packet -> heard 90-116 ms (Chromium's jitter
 * buffer, which grows with load and shrinks over the bursts), play() -> heard 112-139 ms. With 200 ms
 * of buffering planted in the pacer: 202 and 259 ms. The server-side bound (5 slots) catches 100 ms or
 * more of server-side buffering whatever the browser does; the end-to-end bound keeps ~110 ms of
 * headroom and catches ~200 ms added anywhere on the path, the page's side included.
 */
const PLAY_TO_FIRST_PACKET_MEDIAN_MAX_MS = 100;
const PLAY_TO_HEARD_MEDIAN_MAX_MS = 250;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function collect<T>(it: AsyncIterable<T>, forMs: number): Promise<T[]> {
  const out: T[] = [];
  const iterator = it[Symbol.asyncIterator]();
  const deadline = performance.now() + forMs;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      iterator.next(),
      new Promise<null>((res) => {
        timer = setTimeout(() => res(null), left);
      }),
    ]);
    clearTimeout(timer);
    if (r === null || r.done) break;
    out.push(r.value);
  }
  return out;
}

describe('a real browser call', () => {
  let server: SightlineServer;
  let browser: TestBrowser;
  let page: Page;
  let call: Call;
  let audio: AudioFrame[] = [];
  let video: VideoFrame[] = [];

  beforeAll(async () => {
    server = await startTestServer({ VIDEO_FPS: String(FPS) });
    browser = await launchBrowser({ audioWav: speechWav(), videoY4m: colourY4m() });
    const callPromise = new Promise<Call>((resolve) => server.calls.once('call', resolve));
    page = await startCall(browser.browser, server.url);
    call = await callPromise;
    await waitFor(() => call.audioTap && call.videoTap, 10_000, 'both taps');
    [audio, video] = await Promise.all([
      collect((call.audioTap as NonNullable<Call['audioTap']>).frames, CAPTURE_MS),
      collect((call.videoTap as NonNullable<Call['videoTap']>).frames, CAPTURE_MS),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('delivers 16 kHz PCM frames on a gap-free, true timeline', () => {
    expect(audio.length).toBeGreaterThan((CAPTURE_MS / 20) * 0.8);
    for (const f of audio) {
      expect(f.sampleRateHz).toBe(16000);
      expect(f.samples.length).toBe(320);
    }
    for (let i = 1; i < audio.length; i++) {
      expect((audio[i] as AudioFrame).ptsMs - (audio[i - 1] as AudioFrame).ptsMs).toBeCloseTo(20, 6);
    }
  });

  it("lines the PCM energy envelope up with the WAV's speech and silences within 100 ms", () => {
    const src = readWav(speechWav());
    const srcEnv = rmsEnvelope(src.samples, src.sampleRate, BIN_MS);
    const srcMax = Math.max(...srcEnv);
    const srcAct = activity(srcEnv, srcMax * 0.02, 15);

    const pcm = new Float32Array(audio.length * 320);
    audio.forEach((f, i) => {
      for (let j = 0; j < 320; j++) pcm[i * 320 + j] = (f.samples[j] as number) / 32768;
    });
    const env = rmsEnvelope(pcm, 16000, BIN_MS);
    const recvMax = Math.max(...env);
    expect(recvMax).toBeGreaterThan(0.02);
    const act = activity(env, recvMax * 0.02, 15);

    const { lag, agreement } = bestCyclicLag(act, srcAct);
    expect(agreement).toBeGreaterThan(0.9);

    const period = srcAct.length;
    const srcTransitions = transitions(srcAct);
    const recvTransitions = transitions(act);
    const edge = 30;
    const offsets: number[] = [];
    for (const t of recvTransitions) {
      if (t < edge || t > act.length - edge) continue;
      const pos = (t + lag) % period;
      const d = Math.min(
        ...srcTransitions.map((s) => Math.min(Math.abs(s - pos), period - Math.abs(s - pos))),
      );
      offsets.push(d * BIN_MS);
    }
    for (let i = edge; i < act.length - edge; i++) {
      if (!srcTransitions.includes((i + lag) % period)) continue;
      const d = Math.min(...recvTransitions.map((r) => Math.abs(r - i)));
      offsets.push(d * BIN_MS);
    }
    console.log(
      `audio envelope: agreement ${(agreement * 100).toFixed(1)}%, transition offsets (ms) ${offsets.join(' ')}`,
    );
    expect(offsets.length).toBeGreaterThanOrEqual(6);
    for (const o of offsets) expect(o).toBeLessThanOrEqual(100);
  });

  it('samples frames at the configured rate with the right size', () => {
    expect(video.length).toBeGreaterThanOrEqual(Math.floor((CAPTURE_MS / 1000) * FPS * 0.7));
    expect(video.length).toBeLessThanOrEqual(Math.ceil((CAPTURE_MS / 1000) * FPS) + 1);
    for (const f of video) {
      expect([f.width, f.height]).toEqual([VIDEO_SIZE.width, VIDEO_SIZE.height]);
      expect(f.rgb.length).toBe(f.width * f.height * 3);
    }
    const gaps = video.slice(1).map((f, i) => f.ptsMs - (video[i] as VideoFrame).ptsMs);
    const sorted = [...gaps].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] as number;
    console.log(`video: ${video.length} frames, median interval ${median.toFixed(0)} ms`);
    expect(median).toBeGreaterThan((1000 / FPS) * 0.8);
    expect(median).toBeLessThan((1000 / FPS) * 1.2);
  });

  it('has mean frame colours that follow the known sequence', () => {
    const palette = COLOUR_SEQUENCE.map((c) => c.rgb);
    const classes = video.map((f) => classifyColour(meanRgb(f.rgb), palette, 60));
    console.log(`video colours: ${classes.map((c) => (c < 0 ? '?' : COLOUR_SEQUENCE[c]?.name)).join(' ')}`);
    expect(classes.filter((c) => c < 0).length).toBeLessThanOrEqual(Math.ceil(classes.length * 0.15));
    const known = video.map((f, i) => ({ ptsMs: f.ptsMs, c: classes[i] as number })).filter((x) => x.c >= 0);
    const runs: { c: number; startMs: number }[] = [];
    for (const k of known) if (runs.at(-1)?.c !== k.c) runs.push({ c: k.c, startMs: k.ptsMs });
    expect(runs.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < runs.length; i++) {
      const prev = runs[i - 1] as { c: number; startMs: number };
      const cur = runs[i] as { c: number; startMs: number };
      expect(cur.c).toBe((prev.c + 1) % COLOUR_SEQUENCE.length);
      if (i >= 2) {
        // A colour lasts one segment; sampling at FPS blurs each edge by one frame interval.
        expect(Math.abs(cur.startMs - prev.startMs - COLOUR_SEGMENT_MS)).toBeLessThanOrEqual(
          1000 / FPS + 100,
        );
      }
    }
  });

  it('plays server audio into the call that the page hears within 250 ms of play() (median of 10)', async () => {
    await installToneProbe(page);
    const tones = await measureTones(page, call.sink, 10);
    const playToSent = tones.map((t) => t.firstPacketAtMs - t.playAtMs);
    const sentToHeard = tones.map((t) => t.heardAtMs - t.firstPacketAtMs);
    const playToHeard = tones.map((t) => t.heardAtMs - t.playAtMs);
    const line = (xs: number[]) =>
      `${xs.map((x) => x.toFixed(0)).join(' ')}; median ${median(xs).toFixed(0)}`;
    console.log(`return audio, ms: play() -> first packet sent ${line(playToSent)}`);
    console.log(`return audio, ms: first packet sent -> tone heard in page ${line(sentToHeard)}`);
    console.log(`return audio, ms: play() -> tone heard in page ${line(playToHeard)}`);
    expect(call.sink.stats.packetsSent).toBeGreaterThanOrEqual(10 * (250 / 20));
    // Both ends read the same wall clock: a tone cannot be heard before it is sent.
    expect(sentToHeard.every((l) => l > 0)).toBe(true);
    expect(median(playToSent)).toBeLessThan(PLAY_TO_FIRST_PACKET_MEDIAN_MAX_MS);
    expect(median(playToHeard)).toBeLessThan(PLAY_TO_HEARD_MEDIAN_MAX_MS);
  });
});
