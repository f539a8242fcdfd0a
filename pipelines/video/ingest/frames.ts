import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { throwIfAborted } from '../../../models/runtime/errors.js';
import { SightlineError } from '../../../protocol/errors.js';
import type { FrameRecord, ProbeInfo, VideoFiles } from '../types.js';
import { progressLines, runTool } from './tool.js';

/** Settings of the frame sampler. */
export interface FrameSamplerOptions {
  /**
   * ffmpeg's scene score (0–1, between a frame and the one before it) above which a frame is a
   * scene change. Low on purpose: a cut between two calm, similar shots scores 0.07–0.2 (the
   * test station's pastel scenes), camera motion rarely passes 0.05 between neighbouring frames.
   */
  sceneThreshold: number;
  /** A scene frame closer than this to the previous scene frame is not one (flashes, fades). */
  minSceneGapMs: number;
  /** Long side of the stored frames, px. */
  maxSidePx: number;
  /** Width of the thumbnails, px. */
  thumbnailWidthPx: number;
}

/** The documented defaults of {@link FrameSamplerOptions}. */
export const FRAME_SAMPLER_DEFAULTS: Readonly<FrameSamplerOptions> = Object.freeze({
  sceneThreshold: 0.06,
  minSceneGapMs: 1000,
  maxSidePx: 512,
  thumbnailWidthPx: 160,
});

/** One frame ffmpeg wrote: its time (ms, its pts) and scene score. */
export interface SampledFrame {
  tMs: number;
  sceneScore: number;
}

/**
 * Parses the `metadata=mode=print` file: `frame:N pts:P pts_time:T` lines, each
 * followed by `lavfi.scene_score=S`. With the time base set to 1/1000, `pts` is ms.
 */
export function parseSceneMetadata(text: string): SampledFrame[] {
  const out: SampledFrame[] = [];
  let current: SampledFrame | null = null;
  for (const line of text.split('\n')) {
    const pts = /^frame:\d+\s+pts:(-?\d+)/.exec(line);
    if (pts) {
      current = { tMs: Number(pts[1]), sceneScore: 0 };
      out.push(current);
      continue;
    }
    const score = /^lavfi\.scene_score=([\d.eE+-]+|nan)/.exec(line);
    if (score && current) {
      const s = Number(score[1]);
      current.sceneScore = Number.isFinite(s) ? s : 0;
    }
  }
  return out;
}

/**
 * Turns what ffmpeg selected (every second's first frame, plus any frame whose scene score passed
 * the threshold) into frame records: the first frame of each whole second is the 1 fps sample;
 * a frame over the threshold and at least `minSceneGapMs` after the previous scene frame is a
 * scene frame (both at once: one record, `scene: true`); other candidates are dropped.
 */
export function judgeFrames(
  sampled: readonly SampledFrame[],
  options: Pick<FrameSamplerOptions, 'sceneThreshold' | 'minSceneGapMs'>,
): { frames: FrameRecord[]; dropped: number[] } {
  const frames: FrameRecord[] = [];
  const dropped: number[] = [];
  let lastSecond = Number.NEGATIVE_INFINITY;
  let lastSceneMs = Number.NEGATIVE_INFINITY;
  let lastMs = Number.NEGATIVE_INFINITY;
  for (const f of [...sampled].sort((a, b) => a.tMs - b.tMs)) {
    if (f.tMs === lastMs) continue; // one record per time (the file name is the time)
    lastMs = f.tMs;
    const second = Math.floor(f.tMs / 1000);
    const sample = second > lastSecond;
    if (sample) lastSecond = second;
    const scene =
      frames.length > 0 &&
      f.sceneScore > options.sceneThreshold &&
      f.tMs - lastSceneMs >= options.minSceneGapMs;
    if (scene) lastSceneMs = f.tMs;
    if (!(sample || scene)) {
      dropped.push(f.tMs);
      continue;
    }
    frames.push({
      tMs: f.tMs,
      scene,
      sceneScore: scene ? f.sceneScore : 0,
      kept: false,
      changedShare: null,
    });
  }
  return { frames, dropped };
}

/** The scale filter that fits the long side into `maxSidePx` (never upscaling; even sizes). */
function scaleFilter(maxSidePx: number): string {
  const m = maxSidePx;
  return `scale='if(gte(iw\\,ih)\\,min(${m}\\,iw)\\,-2)':'if(gte(iw\\,ih)\\,-2\\,min(${m}\\,ih))'`;
}

/**
 * The `frames` stage: one decoding pass of ffmpeg selects the first frame of every second and
 * the scene changes, writes them as JPEGs (long side ≤ `maxSidePx`, named by their true pts in
 * ms), then each gets its thumbnail. Audio-only files give no frames. Progress follows ffmpeg's
 * time position (0–85 %), then the thumbnails (85–100 %). Scratch files are removed.
 */
export async function sampleFrames(
  videoId: string,
  probe: ProbeInfo,
  files: VideoFiles,
  options: {
    signal?: AbortSignal;
    onProgress?: (stagePercent: number) => void;
    sampler?: Partial<FrameSamplerOptions>;
  } = {},
): Promise<FrameRecord[]> {
  const o = { ...FRAME_SAMPLER_DEFAULTS, ...options.sampler };
  const { signal, onProgress } = options;
  if (!probe.hasVideo) {
    onProgress?.(100);
    return [];
  }
  const scratch = join(files.scratch(videoId), 'frames');
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  try {
    const meta = join(scratch, 'scenes.txt');
    const filter = [
      'setpts=PTS-STARTPTS',
      `select='eq(n\\,0)+gt(floor(t)\\,floor(prev_t))+gt(scene\\,${o.sceneThreshold})'`,
      'settb=1/1000',
      `metadata=mode=print:key=lavfi.scene_score:file=${meta.replace(/[\\':]/g, '\\$&')}`,
      scaleFilter(o.maxSidePx),
    ].join(',');
    const r = await runTool(
      'ffmpeg',
      [
        '-v',
        'error',
        '-nostdin',
        '-nostats',
        '-i',
        files.source(videoId),
        '-map',
        '0:v:0',
        '-an',
        '-sn',
        '-dn',
        '-vf',
        filter,
        '-fps_mode',
        'passthrough',
        '-enc_time_base:v',
        '1/1000',
        '-frame_pts',
        '1',
        '-q:v',
        '3',
        '-progress',
        'pipe:1',
        join(scratch, '%d.jpg'),
      ],
      {
        signal,
        onLine: progressLines((ms) => onProgress?.(85 * Math.min(1, ms / Math.max(1, probe.durationMs)))),
      },
    );
    if (r.code !== 0) {
      throw new SightlineError('ERR_VIDEO_UNREADABLE', `ffmpeg could not decode the video (exit ${r.code})`);
    }
    const { frames, dropped } = judgeFrames(parseSceneMetadata(await readFile(meta, 'utf8')), o);
    await Promise.all(dropped.map((t) => rm(join(scratch, `${t}.jpg`), { force: true })));
    if (frames.length > 0) {
      await mkdir(dirname(files.frame(videoId, 0)), { recursive: true });
      await mkdir(dirname(files.thumbnail(videoId, 0)), { recursive: true });
    }
    for (const [i, f] of frames.entries()) {
      throwIfAborted(signal);
      const path = files.frame(videoId, f.tMs);
      await rename(join(scratch, `${f.tMs}.jpg`), path);
      await sharp(path)
        .resize({ width: o.thumbnailWidthPx })
        .jpeg({ quality: 75 })
        .toFile(files.thumbnail(videoId, f.tMs));
      onProgress?.(85 + (15 * (i + 1)) / frames.length);
    }
    onProgress?.(100);
    return frames;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
