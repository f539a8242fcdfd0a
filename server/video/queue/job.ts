import type { IngestProgressReport } from '../../../pipelines/video/types.js';

/**
 * One video's ingest as a queue runs it: resolves when the video is ready,
 * rejects with a SightlineError otherwise (ERR_ABORTED when `signal` fired).
 */
export type IngestJobFn = (
  videoId: string,
  signal: AbortSignal,
  onProgress: (p: IngestProgressReport) => void,
) => Promise<void>;
