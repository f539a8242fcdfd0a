import { AsyncQueue } from '../../core/asyncQueue.js';
import type { VideoFrame } from '../../core/media.js';

/** Where a call's video comes from. */
export type VideoSource = 'camera' | 'screen';

/** What the selector reads: a tap's sampled frames (single consumer; the loop ends when the tap closes). */
export interface FrameSource {
  readonly frames: AsyncIterable<VideoFrame>;
}

/** Frames waiting for the watch lane; it wants the newest, so a slow reader loses the oldest. */
const CAPACITY = 4;

/**
 * The one video stream the assistant's watch lane reads for the whole call: the
 * shared screen's frames while one exists, else the camera's. Taps come and go
 * (a camera closed and published again, a screen share started and stopped);
 * the stream goes on until `close`. Nothing is read from a tap until someone
 * reads {@link frames} (a call without an assistant leaves its taps alone).
 * While both exist, the camera's frames are read and dropped, so its tap never
 * backs up.
 */
export class VideoSelector {
  readonly #taps = new Map<VideoSource, FrameSource>();
  readonly #out = new AsyncQueue<VideoFrame>(CAPACITY);
  #reading = false;

  /** The source the watch lane sees now, or null (no video). */
  get active(): VideoSource | null {
    if (this.#taps.has('screen')) return 'screen';
    return this.#taps.has('camera') ? 'camera' : null;
  }

  /** A tap for `source` (replacing an earlier one). */
  add(source: VideoSource, tap: FrameSource): void {
    this.#taps.set(source, tap);
    if (this.#reading) void this.#pump(source, tap);
  }

  /** `source`'s tap is gone (its producer closed): the other source, if any, is seen again. */
  remove(source: VideoSource, tap: FrameSource): void {
    if (this.#taps.get(source) === tap) this.#taps.delete(source);
  }

  /** The selected frames; one reader, for the call's lifetime. */
  get frames(): AsyncIterable<VideoFrame> {
    const start = () => {
      if (this.#reading) return;
      this.#reading = true;
      for (const [source, tap] of this.#taps) void this.#pump(source, tap);
    };
    const out = this.#out;
    return {
      [Symbol.asyncIterator]() {
        const it = out[Symbol.asyncIterator]();
        start();
        return it;
      },
    };
  }

  /** Ends the stream (the call closed). */
  close(): void {
    this.#out.close();
  }

  async #pump(source: VideoSource, tap: FrameSource): Promise<void> {
    try {
      for await (const frame of tap.frames) {
        if (this.#out.closed) return;
        if (this.#taps.get(source) === tap && this.active === source) this.#out.push(frame);
      }
    } catch {
      // The tap ended with an error; its own log says why, and the other source goes on.
    } finally {
      this.remove(source, tap);
    }
  }
}
