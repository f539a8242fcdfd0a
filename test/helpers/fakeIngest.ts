import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../core/clock.js';
import { sleep } from '../../pipelines/core/sleep.js';
import { SightlineError } from '../../protocol/errors.js';
import { VIDEO_STAGES, type VideoStage } from '../../protocol/video.js';
import type { IngestJobFn } from '../../server/video/queue/job.js';

/** A scripted, stage-resumable ingest for queue tests: stages commit to files, so processes share them. */
export interface FakeIngestOptions {
  /** A folder holding `<videoId>.stages`: the committed stages, one per line (the "database"). */
  storeDir: string;
  /** Progress reports per stage (each after `stepMs`). */
  stepsPerStage?: number;
  stepMs?: number;
  /** Called as a stage starts, before any of its work: await a gate here to hold the ingest. */
  onStage?: (videoId: string, stage: VideoStage, signal: AbortSignal) => Promise<void> | void;
  /** An error to throw at the start of `stage` of `videoId` (bad input, a model failure). */
  failAt?: (videoId: string, stage: VideoStage) => SightlineError | null;
}

/** What one fake ingest did, in order, for assertions. */
export interface FakeIngestRecord {
  videoId: string;
  /** Stages run (not skipped as already committed). */
  ran: VideoStage[];
  outcome: 'ready' | 'error' | 'running';
  /** The abort reason when the signal fired. */
  abortReason: unknown;
}

/** The stages committed for `videoId` in `storeDir`. */
export function committedStages(storeDir: string, videoId: string): VideoStage[] {
  const path = join(storeDir, `${videoId}.stages`);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean) as VideoStage[];
}

/**
 * An IngestJobFn that runs each uncommitted stage as `stepsPerStage` progress
 * steps of `stepMs` (aborting between steps with ERR_ABORTED, as the real
 * ingest does) and then commits it by appending a line to the store.
 */
export function fakeIngest(options: FakeIngestOptions): { run: IngestJobFn; records: FakeIngestRecord[] } {
  const steps = options.stepsPerStage ?? 4;
  const stepMs = options.stepMs ?? 5;
  const records: FakeIngestRecord[] = [];
  const run: IngestJobFn = async (videoId, signal, onProgress) => {
    const record: FakeIngestRecord = { videoId, ran: [], outcome: 'running', abortReason: undefined };
    records.push(record);
    signal.addEventListener('abort', () => {
      record.abortReason = signal.reason;
    });
    try {
      const done = new Set(committedStages(options.storeDir, videoId));
      for (const [i, stage] of VIDEO_STAGES.entries()) {
        if (done.has(stage)) continue;
        record.ran.push(stage);
        await options.onStage?.(videoId, stage, signal);
        const failure = options.failAt?.(videoId, stage);
        if (failure) throw failure;
        for (let s = 1; s <= steps; s++) {
          await sleep(systemClock, stepMs, signal);
          const stagePercent = (100 * s) / steps;
          onProgress({
            videoId,
            stage,
            stagePercent,
            percent: ((i + stagePercent / 100) * 100) / VIDEO_STAGES.length,
          });
        }
        if (signal.aborted) throw new SightlineError('ERR_ABORTED');
        appendFileSync(join(options.storeDir, `${videoId}.stages`), `${stage}\n`);
      }
      record.outcome = 'ready';
    } catch (error) {
      record.outcome = 'error';
      throw error;
    }
  };
  return { run, records };
}
