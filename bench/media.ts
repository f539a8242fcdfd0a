// Media-plane figures: `npm run bench:media [-- --only=tap,return,cpu,capacity]`.
// Prints numbers; asserts nothing (wall time on a shared machine is not a test).
import { availableParallelism } from 'node:os';
import type { types as ms } from 'mediasoup';
import { systemClock } from '../core/clock.js';
import { createLogger, silentLogger } from '../core/log.js';
import type { PcmChunk } from '../core/media.js';
import { SightlineServer } from '../server/app.js';
import type { Call } from '../server/call/call.js';
import { loadConfig } from '../server/config.js';
import { AudioTap } from '../server/media/audio-in/audioTap.js';
import { AudioSink } from '../server/media/audio-out/audioSink.js';
import { percentile } from '../server/media/latencyStats.js';
import { VideoTap } from '../server/media/video-in/videoTap.js';
import { WorkerPool } from '../server/media/workerPool.js';
import { launchBrowser, startCall } from '../test/helpers/browser.js';
import { colourY4m, speechWav } from '../test/helpers/fixtures.js';
import { Replayer, recordOpus, recordVideo } from '../test/helpers/rtpReplay.js';
import { waitFor } from '../test/helpers/server.js';
import { installToneProbe, measureToneLatencies } from '../test/helpers/toneProbe.js';
import { machineCpuS, processCpuS } from './procCpu.js';

const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const want = (s: string) => !only || only.includes(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, d = 1) => n.toFixed(d);

function endless(): AsyncIterable<PcmChunk> {
  return (async function* () {
    for (let k = 0; ; k++) {
      const samples = new Int16Array(4800);
      for (let i = 0; i < samples.length; i++)
        samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 330 * (k * 4800 + i)) / 48000));
      yield { samples, sampleRateHz: 48000, ptsMs: k * 100 };
    }
  })();
}

/** Audio tap: RTP arrival (consumer 'rtp' event) → PCM frame handed to the pipeline, in-process. */
async function benchTap(): Promise<void> {
  const pool = await WorkerPool.create({ size: 1, rtcMinPort: 40000, rtcMaxPort: 49999 }, silentLogger);
  const router = await pool.createRouter();
  const caller = await AudioSink.create({ router });
  const tap = await AudioTap.create({
    router,
    producer: caller.producer,
    clock: systemClock,
    callStartMs: 0,
    log: silentLogger,
  });
  const playback = caller.play(endless());
  const latencies: number[] = [];
  const deadline = performance.now() + 10_000;
  for await (const f of tap.frames) {
    latencies.push(performance.now() - f.receivedAtMs);
    if (performance.now() > deadline) break;
  }
  playback.cancel();
  console.log(
    '\n## Audio tap (DirectTransport + jitter buffer + Opus decode → 16 kHz frames), 10 s of 20 ms packets',
  );
  console.log(
    `frames ${latencies.length}  RTP arrival → PCM frame out: median ${fmt(percentile(latencies, 50), 2)} ms, p99 ${fmt(percentile(latencies, 99), 2)} ms, max ${fmt(Math.max(...latencies), 2)} ms`,
  );
  tap.close();
  caller.close();
  pool.close();
}

async function startServer(fps: number): Promise<SightlineServer> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    MEDIASOUP_WORKERS: '1',
    VIDEO_FPS: String(fps),
    LOG_LEVEL: 'error',
  });
  return SightlineServer.create(config, { log: createLogger({ level: 'error' }) });
}

/** Return audio to a real browser, and the CPU cost of one call's taps. */
async function benchBrowser(): Promise<void> {
  const server = await startServer(1);
  const browser = await launchBrowser({ audioWav: speechWav(), videoY4m: colourY4m() });
  try {
    const callP = new Promise<Call>((r) => server.calls.once('call', r));
    const page = await startCall(browser.browser, server.url);
    const call = await callP;
    await waitFor(() => call.audioTap && call.videoTap?.ffmpegPid, 10_000, 'taps');
    const consume = async (it: AsyncIterable<unknown>) => {
      for await (const _ of it);
    };
    void consume((call.audioTap as AudioTap).frames);
    void consume((call.videoTap as VideoTap).frames);

    if (want('cpu')) {
      await sleep(2000);
      const workerPid = server.pool.pids[0] as number;
      const ffmpegPid = call.videoTap?.ffmpegPid as number;
      const n0 = process.cpuUsage();
      const w0 = processCpuS(workerPid);
      const f0 = processCpuS(ffmpegPid);
      const t0 = performance.now();
      await sleep(10_000);
      const wallS = (performance.now() - t0) / 1000;
      const n1 = process.cpuUsage(n0);
      const nodePct = ((n1.user + n1.system) / 1e6 / wallS) * 100;
      const workerPct = ((processCpuS(workerPid) - w0) / wallS) * 100;
      const ffmpegPct = ((processCpuS(ffmpegPid) - f0) / wallS) * 100;
      console.log(
        '\n## CPU of one real call (320x240 15 fps camera from the fixture, Opus mic), video tap at 1 fps, 10 s, % of one core',
      );
      console.log(
        `node (signaling + audio tap decode): ${fmt(nodePct)}%  mediasoup worker (SRTP, routing): ${fmt(workerPct)}%  ffmpeg (VP8 decode + 1 fps RGB): ${fmt(ffmpegPct)}%  total ${fmt(nodePct + workerPct + ffmpegPct)}%`,
      );
    }

    if (want('return')) {
      await installToneProbe(page);
      const latencies = await measureToneLatencies(page, call.sink, 10);
      const s = call.sink.stats;
      console.log('\n## Return audio into a real Chromium call (10 tones of 250 ms)');
      console.log(
        `first packet sent → tone detected in the page: median ${fmt(percentile(latencies, 50))} ms (min ${fmt(Math.min(...latencies))}, max ${fmt(Math.max(...latencies))})`,
      );
      console.log(
        `pacing lateness over ${s.packetsSent} packets: p50 ${fmt(s.latenessP50Ms, 2)} ms, p99 ${fmt(s.latenessP99Ms, 2)} ms, max ${fmt(s.latenessMaxMs, 2)} ms`,
      );
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

interface Synthetic {
  router: ms.Router;
  sink: AudioSink;
  tap: AudioTap;
  video: VideoTap;
  close(): void;
}

/** One synthetic call: replayed Opus mic + VP8 camera into the router, both taps, and continuous return audio. */
async function syntheticCall(
  pool: WorkerPool,
  replayer: Replayer,
  opus: ReturnType<typeof recordOpus>,
  vp8: Awaited<ReturnType<typeof recordVideo>>,
  i: number,
): Promise<Synthetic> {
  const router = await pool.createRouter();
  const direct = await router.createDirectTransport();
  const opusPt = 100;
  const vp8Pt = 101;
  const mic = await direct.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', payloadType: opusPt, clockRate: 48000, channels: 2 }],
      encodings: [{ ssrc: 1000 + i }],
    },
  });
  const cam = await direct.produce({
    kind: 'video',
    rtpParameters: {
      codecs: [{ mimeType: 'video/VP8', payloadType: vp8Pt, clockRate: 90000 }],
      encodings: [{ ssrc: 5000 + i }],
    },
  });
  replayer.add(mic, opus, opusPt, 1000 + i);
  replayer.add(cam, vp8, vp8Pt, 5000 + i);
  const tap = await AudioTap.create({
    router,
    producer: mic,
    clock: systemClock,
    callStartMs: 0,
    log: silentLogger,
  });
  const video = await VideoTap.create({
    router,
    producer: cam,
    clock: systemClock,
    callStartMs: 0,
    log: silentLogger,
    options: { fps: 1 },
  });
  const sink = await AudioSink.create({ router });
  sink.play(endless());
  for (const it of [tap.frames, video.frames] as AsyncIterable<unknown>[]) {
    void (async () => {
      for await (const _ of it);
    })();
  }
  return {
    router,
    sink,
    tap,
    video,
    close() {
      sink.close();
      tap.close();
      video.close();
      router.close();
    },
  };
}

async function benchCapacity(): Promise<void> {
  console.log(
    '\n## Capacity: concurrent synthetic calls (Opus mic + 640x480 VP8 camera replayed, both taps at 1 fps, continuous return audio)',
  );
  process.stdout.write('recording 6 s of VP8 RTP from ffmpeg… ');
  const vp8 = await recordVideo('VP8', 6000);
  const opus = recordOpus(6000);
  console.log(`${vp8.packets.length} packets`);
  const pool = await WorkerPool.create(
    { size: availableParallelism(), rtcMinPort: 40000, rtcMaxPort: 49999 },
    silentLogger,
  );
  const replayer = new Replayer();
  const calls: Synthetic[] = [];
  let held = 0;
  console.log(
    'calls | pacing lateness median-of-calls p50 / worst-call p99 / max (ms) | machine CPU busy | video frames/s',
  );
  try {
    for (const target of [1, 2, 4, 6, 8, 10, 12, 16, 20, 24, 32]) {
      while (calls.length < target) calls.push(await syntheticCall(pool, replayer, opus, vp8, calls.length));
      await sleep(3000);
      const before = calls.map((c) => ({ sent: c.sink.stats.packetsSent, frames: c.video.stats.framesOut }));
      for (const c of calls) c.sink.resetLateness();
      const cpu0 = machineCpuS();
      await sleep(6000);
      const cpu1 = machineCpuS();
      const p50 = percentile(
        calls.map((c) => c.sink.stats.latenessP50Ms),
        50,
      );
      const p99 = Math.max(...calls.map((c) => c.sink.stats.latenessP99Ms));
      const max = Math.max(...calls.map((c) => c.sink.stats.latenessMaxMs));
      const fps =
        calls.reduce((a, c, i) => a + (c.video.stats.framesOut - (before[i]?.frames ?? 0)), 0) /
        6 /
        calls.length;
      const busy = ((cpu1.busyS - cpu0.busyS) / (cpu1.totalS - cpu0.totalS)) * 100;
      console.log(
        `${String(target).padStart(5)} | ${fmt(p50, 2)} / ${fmt(p99, 2)} / ${fmt(max, 1)} | ${fmt(busy, 0)}% | ${fmt(fps, 2)} per call`,
      );
      if (p99 > 10) break;
      held = target;
      // Restart the rolling windows so each step is measured on its own.
      for (const c of calls) c.close();
      calls.length = 0;
    }
  } finally {
    replayer.stop();
    for (const c of calls) c.close();
    pool.close();
  }
  console.log(
    `held ${held} concurrent calls with return-audio pacing p99 ≤ 10 ms on ${availableParallelism()} cores`,
  );
}

if (want('tap')) await benchTap();
if (want('cpu') || want('return')) await benchBrowser();
if (want('capacity')) await benchCapacity();
process.exit(0);
