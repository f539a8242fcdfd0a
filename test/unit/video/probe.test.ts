import { describe, expect, it } from 'vitest';
import { probeVideo } from '../../../pipelines/video/ingest/probe.js';
import {
  badVideos,
  STATION_DURATION_MS,
  STATION_SIZE,
  stationAudioOnly,
  stationVideo,
} from '../../helpers/videos.js';

const limits = { maxDurationMs: 3_600_000 };

// Each test runs ffprobe and a demux pass over a 60 s file: seconds on a loaded 2-core machine.
describe('probeVideo: judged by content, never by name', { timeout: 30_000 }, () => {
  it.each([
    ['a truncated MP4 (the index says 60 s, the data stops early)', 'truncatedMp4', 'ERR_VIDEO_UNREADABLE'],
    ['a text file named .mp4', 'textAsMp4', 'ERR_VIDEO_UNREADABLE'],
    ['a zero-byte file', 'zeroBytes', 'ERR_VIDEO_EMPTY'],
    ['a 0-second MP4', 'zeroSeconds', 'ERR_VIDEO_EMPTY'],
  ] as const)('refuses %s with its code', async (_, which, code) => {
    await expect(probeVideo(badVideos()[which], limits)).rejects.toMatchObject({ code });
  });

  it('refuses a video over the duration limit with ERR_VIDEO_TOO_LONG, before the demux pass', async () => {
    const seen: number[] = [];
    await expect(
      probeVideo(stationVideo(), { maxDurationMs: 30_000 }, { onProgress: (p) => seen.push(p) }),
    ).rejects.toMatchObject({ code: 'ERR_VIDEO_TOO_LONG', message: /60 s; the limit is 30 s/ });
    expect(seen.every((p) => p <= 5)).toBe(true);
  });

  it('reads the station MP4: streams, size, fps, 60 s, progress to 100', async () => {
    const seen: number[] = [];
    const info = await probeVideo(stationVideo(), limits, { onProgress: (p) => seen.push(p) });
    expect(info).toEqual({
      durationMs: STATION_DURATION_MS,
      hasAudio: true,
      hasVideo: true,
      width: STATION_SIZE.width,
      height: STATION_SIZE.height,
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      videoCodec: 'h264',
      audioCodec: 'aac',
      fps: STATION_SIZE.fps,
    });
    expect(seen.at(-1)).toBe(100);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it.each([
    ['webm', 'vp8', 'opus'],
    ['mkv', 'h264', 'opus'],
    ['mov', 'h264', 'aac'],
  ] as const)('reads %s', async (container, videoCodec, audioCodec) => {
    const info = await probeVideo(stationVideo({ container }), limits);
    expect(info).toMatchObject({ hasAudio: true, hasVideo: true, videoCodec, audioCodec });
    expect(Math.abs(info.durationMs - STATION_DURATION_MS)).toBeLessThan(100);
  });

  it('takes audio-only and video-only files', async () => {
    expect(await probeVideo(stationAudioOnly(), limits)).toMatchObject({
      hasAudio: true,
      hasVideo: false,
      width: null,
      fps: null,
      durationMs: STATION_DURATION_MS,
    });
    expect(await probeVideo(stationVideo({ audio: false }), limits)).toMatchObject({
      hasAudio: false,
      hasVideo: true,
      audioCodec: null,
    });
  });

  it('stops with ERR_ABORTED when cancelled', async () => {
    await expect(probeVideo(stationVideo(), limits, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
  });
});
