import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ModelError } from '../../../models/runtime/errors.js';
import { type ErrorCode, SightlineError } from '../../../protocol/errors.js';
import { VIDEO_STAGES, type VideoStage } from '../../../protocol/video.js';
import type { IngestDeps, IngestProgressReport, ProbeInfo, RunIngest } from '../types.js';
import { transcribeAudio } from './audio.js';
import { buildChapters } from './chapters.js';
import { computeFeatures } from './features.js';
import { sampleFrames } from './frames.js';
import { readOnScreenText } from './ocr.js';
import { probeVideo } from './probe.js';

/**
 * Each stage's share of the overall percent (they add up to 100), from what the stages cost on
 * 2 cores with the real-size models: decoding and thumbnails are cheap, speech-to-text and the
 * vision encoder dominate, OCR runs on the kept frames only, the index is a few inserts.
 */
export const INGEST_STAGE_WEIGHTS: Readonly<Record<VideoStage, number>> = Object.freeze({
  probe: 3,
  frames: 12,
  audio: 30,
  features: 35,
  ocr: 17,
  index: 3,
});

/** What one stage gets: the run's deps, its abort signal, and its own progress callback (0–100). */
export interface StageContext {
  videoId: string;
  deps: IngestDeps;
  signal: AbortSignal;
  onProgress: (stagePercent: number) => void;
}

/** Runs one stage to its commit (one `writer.commit*` at its end, nothing before). */
export type StageRunner = (ctx: StageContext) => Promise<void>;

/** Bad input: recorded on the video (`writer.fail`) and never retried. */
const BAD_INPUT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_VIDEO_EMPTY',
  'ERR_VIDEO_UNREADABLE',
  'ERR_VIDEO_TOO_LONG',
]);

function committedProbe({ videoId, deps }: StageContext): ProbeInfo {
  const probe = deps.reader.video(videoId)?.probe;
  if (!probe) throw new SightlineError('ERR_INVALID_STATE', `video ${videoId} has no committed probe`);
  return probe;
}

/** The stages, in the order of VIDEO_STAGES; later ones read what earlier ones committed. */
export const STAGE_RUNNERS: Readonly<Record<VideoStage, StageRunner>> = Object.freeze({
  async probe(ctx) {
    const { videoId, deps, signal, onProgress } = ctx;
    const probe = await probeVideo(deps.files.source(videoId), deps.limits, { signal, onProgress });
    deps.writer.commitProbe(videoId, probe);
  },
  async frames(ctx) {
    const { videoId, deps, signal, onProgress } = ctx;
    const probe = committedProbe(ctx);
    // An earlier, unfinished run may have left pictures at other times.
    await rm(dirname(deps.files.frame(videoId, 0)), { recursive: true, force: true });
    await rm(dirname(deps.files.thumbnail(videoId, 0)), { recursive: true, force: true });
    const frames = await sampleFrames(videoId, probe, deps.files, { signal, onProgress });
    deps.writer.commitFrames(videoId, frames);
  },
  async audio(ctx) {
    const { videoId, deps, signal, onProgress } = ctx;
    const segments = await transcribeAudio(deps.files.source(videoId), committedProbe(ctx), deps.models, {
      signal,
      onProgress,
    });
    deps.writer.commitTranscript(videoId, segments);
  },
  async features(ctx) {
    const { videoId, deps, signal, onProgress } = ctx;
    const frames = deps.reader.frames(videoId);
    const r = await computeFeatures(videoId, frames, deps.files, deps.models, { signal, onProgress });
    deps.writer.commitFeatures(videoId, r.frames, r.files);
  },
  async ocr(ctx) {
    const { videoId, deps, signal, onProgress } = ctx;
    const frames = deps.reader.frames(videoId);
    const lines = await readOnScreenText(videoId, frames, deps.files, deps.models.ocr, {
      signal,
      onProgress,
    });
    deps.writer.commitOcr(videoId, lines);
  },
  async index(ctx) {
    const { videoId, deps, onProgress } = ctx;
    const chapters = buildChapters({
      durationMs: committedProbe(ctx).durationMs,
      frames: deps.reader.frames(videoId),
      segments: deps.reader.segments(videoId),
      ocr: deps.reader.ocr(videoId),
    });
    onProgress(50);
    deps.writer.commitIndex(videoId, chapters, Date.now());
  },
});

/** One stage's cost, for logs and the bench. */
export interface StageTiming {
  stage: VideoStage;
  wallMs: number;
}

/**
 * {@link runIngest} with a hook per finished stage (its wall time on `deps.clock`). Runs every
 * stage from the first one not committed (a resumed ingest skips what is done); the overall
 * percent is monotone, stays below 100 until `index` committed, and each report also goes to
 * `writer.setProgress`. Scratch files are removed after each stage, whatever its outcome.
 */
export async function runIngestStages(
  videoId: string,
  deps: IngestDeps,
  options: {
    signal: AbortSignal;
    onProgress: (p: IngestProgressReport) => void;
    onStageDone?: (t: StageTiming) => void;
  },
): Promise<void> {
  const { signal, onProgress } = options;
  const done = new Set(deps.writer.finishedStages(videoId));
  const first = VIDEO_STAGES.findIndex((s) => !done.has(s));
  if (first < 0) {
    onProgress({ videoId, stage: 'index', stagePercent: 100, percent: 100 });
    return;
  }
  let base = VIDEO_STAGES.slice(0, first).reduce((sum, s) => sum + INGEST_STAGE_WEIGHTS[s], 0);
  let last = -1;
  let lastStagePercent = -1;

  for (const stage of VIDEO_STAGES.slice(first)) {
    const weight = INGEST_STAGE_WEIGHTS[stage];
    const report = (stagePercent: number) => {
      const sp = Math.round(Math.min(100, Math.max(0, stagePercent)) * 10) / 10;
      const percent = Math.max(last, Math.min(99, Math.round((base + (weight * sp) / 100) * 10) / 10));
      if (percent === last && Math.abs(sp - lastStagePercent) < 1 && sp !== 0) return;
      last = percent;
      lastStagePercent = sp;
      deps.writer.setProgress(videoId, stage, sp, percent);
      onProgress({ videoId, stage, stagePercent: sp, percent });
    };
    const startedMs = deps.clock.nowMs();
    lastStagePercent = -1;
    report(0);
    try {
      if (signal.aborted) throw new ModelError('ERR_ABORTED', 'the ingest was cancelled');
      await STAGE_RUNNERS[stage]({ videoId, deps, signal, onProgress: report });
    } catch (error) {
      throw settle(videoId, deps, signal, stage, error);
    } finally {
      await rm(deps.files.scratch(videoId), { recursive: true, force: true });
    }
    const wallMs = deps.clock.nowMs() - startedMs;
    deps.log.info('video ingest stage done', { videoId, stage, wallMs: Math.round(wallMs) });
    options.onStageDone?.({ stage, wallMs });
    base += weight;
  }
  onProgress({ videoId, stage: 'index', stagePercent: 100, percent: 100 });
}

/** Turns a stage's failure into what the run throws: aborts as ERR_ABORTED, bad input recorded on the video. */
function settle(
  videoId: string,
  deps: IngestDeps,
  signal: AbortSignal,
  stage: VideoStage,
  error: unknown,
): Error {
  if (signal.aborted || (error instanceof SightlineError && error.code === 'ERR_ABORTED')) {
    deps.log.info('video ingest cancelled', { videoId, stage });
    return error instanceof SightlineError && error.code === 'ERR_ABORTED'
      ? error
      : new ModelError('ERR_ABORTED', 'the ingest was cancelled', { cause: error });
  }
  if (error instanceof SightlineError && BAD_INPUT.has(error.code)) {
    deps.writer.fail(videoId, error.code, error.message);
    deps.log.info('video refused', { videoId, stage, code: error.code });
    return error;
  }
  deps.log.warn('video ingest stage failed', { videoId, stage, error });
  return error instanceof Error ? error : new SightlineError('ERR_INTERNAL', String(error));
}

/**
 * Runs (or resumes) one video's ingest (see {@link RunIngest}). Stage weights:
 * {@link INGEST_STAGE_WEIGHTS}.
 */
export const runIngest: RunIngest = (videoId, deps, options) => runIngestStages(videoId, deps, options);
