import type { Logger } from '../../core/log.js';
import type { IngestProgress, VideoInfo } from '../../protocol/video.js';
import type { ProgressBus } from './types.js';

type Listener = (progress: IngestProgress) => void;

/**
 * Ingest progress fanned out inside one process. A listener that throws is
 * logged and the others still hear the event; subscriptions are removed by the
 * returned function (an SSE stream unsubscribes when its client goes).
 */
export class LocalProgressBus implements ProgressBus {
  readonly #byVideo = new Map<string, Set<Listener>>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  publish(progress: IngestProgress): void {
    for (const key of [progress.videoId, '*']) {
      const listeners = this.#byVideo.get(key);
      if (!listeners) continue;
      for (const listener of [...listeners]) {
        try {
          listener(progress);
        } catch (error) {
          this.#log.error('progress listener failed', { videoId: progress.videoId, error });
        }
      }
    }
  }

  subscribe(videoId: string | '*', listener: Listener): () => void {
    let listeners = this.#byVideo.get(videoId);
    if (!listeners) {
      listeners = new Set();
      this.#byVideo.set(videoId, listeners);
    }
    // A wrapper, so the same function subscribed twice is two subscriptions.
    const entry: Listener = (p) => listener(p);
    listeners.add(entry);
    return () => {
      const set = this.#byVideo.get(videoId);
      if (!set) return;
      set.delete(entry);
      if (set.size === 0) this.#byVideo.delete(videoId);
    };
  }

  /** Subscriptions open now (for tests: an SSE stream that ended left none). */
  get listenerCount(): number {
    let n = 0;
    for (const set of this.#byVideo.values()) n += set.size;
    return n;
  }
}

/** A video's current state as a progress event (the first event of an SSE stream, and each status change). */
export function progressOf(info: VideoInfo, stagePercent = 0): IngestProgress {
  return {
    videoId: info.id,
    status: info.status,
    stage: info.stage,
    stagePercent: info.status === 'ready' ? 100 : stagePercent,
    percent: info.percent,
    error: info.error,
  };
}

/** Statuses after which a video's progress stream ends. */
export function isFinalStatus(status: IngestProgress['status']): boolean {
  return status === 'ready' || status === 'failed' || status === 'cancelled';
}
