import { stat } from 'node:fs/promises';
import { SightlineError } from '../../../protocol/errors.js';
import type { IngestLimits, ProbeInfo } from '../types.js';
import { progressLines, runTool } from './tool.js';

/** How far the last demuxed packet may fall short of the declared duration before the file counts as cut. */
export const TRUNCATION_TOLERANCE = Object.freeze({ minMs: 2000, share: 0.05 });

/** ffmpeg's complaints that mean the data ends early or is not what the container says. */
const DAMAGE = /partial file|invalid data|truncat|corrupt|error while decoding|moov atom not found/i;

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string };
}

function seconds(value: string | undefined): number | null {
  if (value === undefined) return null;
  const s = Number(value);
  return Number.isFinite(s) && s >= 0 ? s : null;
}

function rate(value: string | undefined): number | null {
  if (!value) return null;
  const [num, den] = value.split('/').map(Number);
  if (!(num !== undefined && den !== undefined && num > 0 && den > 0)) return null;
  return num / den;
}

function unreadable(message: string, cause?: unknown): SightlineError {
  return new SightlineError('ERR_VIDEO_UNREADABLE', message, cause === undefined ? undefined : { cause });
}

/** The first line of ffmpeg's stderr worth showing (no paths: they name our disk). */
function firstComplaint(stderr: string, path: string): string {
  const line = stderr.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.split(path).join('the file').trim().slice(0, 200);
}

async function ffprobe(path: string, signal?: AbortSignal): Promise<FfprobeOutput> {
  const r = await runTool('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', path], {
    signal,
  });
  if (r.code !== 0) {
    throw unreadable(`ffprobe cannot read the file: ${firstComplaint(r.stderr, path) || `exit ${r.code}`}`);
  }
  try {
    return JSON.parse(r.stdout) as FfprobeOutput;
  } catch (error) {
    throw unreadable('ffprobe gave no readable description of the file', error);
  }
}

/**
 * One pass over every packet without decoding (`-c copy` to the null muxer):
 * fast, and it reaches the end of the data. Returns the time of the last
 * packet and ffmpeg's complaints.
 */
async function demux(
  path: string,
  signal: AbortSignal | undefined,
  onTimeMs: (ms: number) => void,
): Promise<{ endMs: number; stderr: string; code: number | null }> {
  let endMs = 0;
  const r = await runTool(
    'ffmpeg',
    [
      '-v',
      'error',
      '-nostdin',
      '-nostats',
      '-i',
      path,
      '-map',
      '0',
      '-c',
      'copy',
      '-f',
      'null',
      '-progress',
      'pipe:1',
      '-',
    ],
    {
      signal,
      onLine: progressLines((ms) => {
        endMs = Math.max(endMs, ms);
        onTimeMs(ms);
      }),
    },
  );
  return { endMs, stderr: r.stderr, code: r.code };
}

/**
 * Judges an uploaded file by its content, never its name: ffprobe must read
 * it, it must hold an audio or a video stream (cover art is not video), and a
 * full demux pass must reach the declared end without ffmpeg reporting damage.
 *
 * Throws SightlineError: ERR_VIDEO_EMPTY (zero bytes, no audio or video stream,
 * zero duration), ERR_VIDEO_UNREADABLE (not media, or cut short),
 * ERR_VIDEO_TOO_LONG (over `limits.maxDurationMs`), ERR_ABORTED.
 */
export async function probeVideo(
  path: string,
  limits: IngestLimits,
  options: { signal?: AbortSignal; onProgress?: (stagePercent: number) => void } = {},
): Promise<ProbeInfo> {
  const { signal, onProgress } = options;
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw unreadable('the uploaded file is not on disk', error);
  }
  if (size === 0) throw new SightlineError('ERR_VIDEO_EMPTY', 'the file is empty (0 bytes)');

  const info = await ffprobe(path, signal);
  onProgress?.(5);
  const streams = info.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!video && !audio)
    throw new SightlineError('ERR_VIDEO_EMPTY', 'the file holds no audio or video stream');

  const declaredS =
    seconds(info.format?.duration) ?? Math.max(0, ...[video, audio].map((s) => seconds(s?.duration) ?? 0));
  const declaredMs = declaredS * 1000;
  if (declaredMs > limits.maxDurationMs) throw tooLong(declaredMs, limits);

  const pass = await demux(path, signal, (ms) => {
    if (declaredMs > 0) onProgress?.(5 + 95 * Math.min(1, ms / declaredMs));
  });
  if (pass.code !== 0 || DAMAGE.test(pass.stderr)) {
    throw unreadable(
      `the file is damaged or cut short: ${firstComplaint(pass.stderr, path) || `exit ${pass.code}`}`,
    );
  }
  const durationMs = Math.round(declaredMs > 0 ? declaredMs : pass.endMs);
  if (durationMs <= 0 || pass.endMs <= 0)
    throw new SightlineError('ERR_VIDEO_EMPTY', 'the video lasts 0 seconds');
  const shortMs = durationMs - pass.endMs;
  if (shortMs > Math.max(TRUNCATION_TOLERANCE.minMs, durationMs * TRUNCATION_TOLERANCE.share)) {
    throw unreadable(
      `the file is cut short: its data ends at ${(pass.endMs / 1000).toFixed(1)} s of ${(durationMs / 1000).toFixed(1)} s`,
    );
  }
  if (durationMs > limits.maxDurationMs) throw tooLong(durationMs, limits);
  onProgress?.(100);
  return {
    durationMs,
    hasAudio: audio !== undefined,
    hasVideo: video !== undefined,
    width: video?.width ?? null,
    height: video?.height ?? null,
    container: info.format?.format_name ?? 'unknown',
    videoCodec: video?.codec_name ?? null,
    audioCodec: audio?.codec_name ?? null,
    fps: video ? (rate(video.avg_frame_rate) ?? rate(video.r_frame_rate)) : null,
  };
}

function tooLong(durationMs: number, limits: IngestLimits): SightlineError {
  return new SightlineError(
    'ERR_VIDEO_TOO_LONG',
    `the video lasts ${Math.round(durationMs / 1000)} s; the limit is ${Math.round(limits.maxDurationMs / 1000)} s`,
  );
}
