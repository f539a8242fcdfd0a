import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import type { VideoFrame } from '../../core/media.js';
import { VideoTap } from '../../server/media/video-in/videoTap.js';
import { WorkerPool } from '../../server/media/workerPool.js';
import { Replayer, type RtpRecording, recordVideo, type VideoCodecName } from '../helpers/rtpReplay.js';
import { waitFor } from '../helpers/server.js';
import { meanRgb } from '../helpers/signal.js';

const PARAMS: Record<VideoCodecName, { mimeType: string; parameters?: Record<string, string | number> }> = {
  VP8: { mimeType: 'video/VP8' },
  H264: { mimeType: 'video/H264', parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } },
};

let pool: WorkerPool;
const replayer = new Replayer();
beforeAll(async () => {
  pool = await WorkerPool.create({ size: 1, rtcMinPort: 40000, rtcMaxPort: 49999 }, silentLogger);
});
afterAll(() => {
  replayer.stop();
  pool.close();
});

/** A new router with `rec` replayed into a producer on it, and a 4 fps video tap on that producer. */
async function tapOnReplay(codec: VideoCodecName, rec: RtpRecording) {
  const router = await pool.createRouter();
  const direct = await router.createDirectTransport();
  const producer = await direct.produce({
    kind: 'video',
    rtpParameters: {
      codecs: [{ ...PARAMS[codec], payloadType: 101, clockRate: 90000 }],
      encodings: [{ ssrc: 7 }],
    },
  });
  replayer.add(producer, rec, 101, 7);
  const tap = await VideoTap.create({
    router,
    producer,
    clock: systemClock,
    callStartMs: 0,
    log: silentLogger,
    options: { fps: 4 },
  });
  return { router, tap };
}

describe.each(['VP8', 'H264'] as const)(
  'video tap on %s RTP (ffmpeg-encoded, replayed into mediasoup)',
  (codec) => {
    it('decodes frames at the configured rate with the source size and colour', async () => {
      const rec = await recordVideo(codec, 2000, 'color=c=0x2060e0:size=352x288:rate=15');
      expect(rec.packets.length).toBeGreaterThan(10);
      const { router, tap } = await tapOnReplay(codec, rec);
      const frames: VideoFrame[] = [];
      void (async () => {
        for await (const f of tap.frames) frames.push(f);
      })();
      await waitFor(() => frames.length >= 9, 10_000, 'nine frames');
      tap.close();
      router.close();
      for (const f of frames) {
        expect([f.width, f.height]).toEqual([352, 288]);
        const [r, g, b] = meanRgb(f.rgb);
        expect(Math.hypot(r - 0x20, g - 0x60, b - 0xe0)).toBeLessThan(25);
      }
      const gaps = frames.slice(1).map((f, i) => f.ptsMs - (frames[i] as VideoFrame).ptsMs);
      const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
      expect(mean).toBeGreaterThan(200);
      expect(mean).toBeLessThan(300);
    });
  },
);

describe('video tap when its reader leaves the frames loop', () => {
  it('closes itself: ffmpeg killed, consumer and transport released', async () => {
    const rec = await recordVideo('VP8', 2000, 'color=c=0x2060e0:size=176x144:rate=15');
    const { router, tap } = await tapOnReplay('VP8', rec);
    const transportsWithTap = (await router.dump()).transportIds.length;
    let pid: number | null = null;
    for await (const _ of tap.frames) {
      pid = tap.ffmpegPid;
      break;
    }
    expect(pid).not.toBeNull();
    expect(tap.closed).toBe(true);
    expect(tap.ffmpegPid).toBeNull();
    const alive = (p: number) => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    };
    await waitFor(() => !alive(pid as number), 5000, 'ffmpeg to exit');
    expect((await router.dump()).transportIds.length).toBe(transportsWithTap - 1);
    router.close();
  });
});
