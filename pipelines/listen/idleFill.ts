import type { CancelTimer, Clock } from '../../core/clock.js';
import type { AudioFrame } from '../../core/media.js';

/** Settings of {@link fillIdle}. */
export interface IdleFillOptions {
  clock: Clock;
  /** No frame for this long (clock time) starts the fill; default 1000 ms. */
  idleMs?: number;
  signal: AbortSignal;
}

const DEFAULT_IDLE_MS = 1000;

/**
 * Keeps the caller's timeline moving when their microphone stops sending (an
 * app pauses its producer, a browser sends nothing for a digitally silent
 * track, Opus DTX): after `idleMs` without a frame, silent frames continue the
 * timeline at the clock's pace, so a turn in progress still ends by silence.
 * When frames come back, the tap's own gap fill for the same span is dropped,
 * and real audio that would overlap the filled span starts a new timeline
 * (`reanchored`). Real microphones send continuously: then this only forwards.
 */
export async function* fillIdle(
  input: AsyncIterable<AudioFrame>,
  o: IdleFillOptions,
): AsyncGenerator<AudioFrame> {
  const idleMs = o.idleMs ?? DEFAULT_IDLE_MS;
  const it = input[Symbol.asyncIterator]();
  type Next = { kind: 'frame'; r: IteratorResult<AudioFrame> } | { kind: 'idle' };
  /** The input's next frame, mapped once: a long idle races it many times without adding handlers. */
  let pending: Promise<Next> | null = null;
  /** The last frame yielded (real or filled): the timeline's end and the frame shape to copy. */
  let last: AudioFrame | null = null;
  let filling = false;
  try {
    for (;;) {
      pending ??= it.next().then((r): Next => ({ kind: 'frame', r }));
      let cancel: CancelTimer = () => {};
      const lastFrame: AudioFrame | null = last;
      const waitMs: number | null = lastFrame === null ? null : filling ? lastFrame.durationMs : idleMs;
      const next: Next = await Promise.race<Next>([
        pending,
        ...(waitMs === null
          ? []
          : [
              new Promise<Next>((resolve) => {
                cancel = o.clock.setTimer(() => resolve({ kind: 'idle' }), waitMs);
              }),
            ]),
      ]);
      cancel();
      if (o.signal.aborted) return;
      if (next.kind === 'idle') {
        const prev = last as AudioFrame;
        // The first fill covers the whole idle wait; then one frame per frame time.
        const count = filling ? 1 : Math.max(1, Math.floor(idleMs / prev.durationMs));
        filling = true;
        for (let i = 0; i < count; i++) {
          const from: AudioFrame = last ?? prev;
          const filled: AudioFrame = {
            samples: new Int16Array(prev.samples.length),
            sampleRateHz: prev.sampleRateHz,
            ptsMs: from.ptsMs + from.durationMs,
            durationMs: prev.durationMs,
            filledSamples: prev.samples.length,
            receivedAtMs: o.clock.nowMs(),
            reanchored: false,
          };
          last = filled;
          yield filled;
        }
        continue;
      }
      pending = null;
      if (next.r.done) return;
      const frame: AudioFrame = next.r.value;
      const prior: AudioFrame | null = last;
      if (filling && prior) {
        const endMs = prior.ptsMs + prior.durationMs;
        if (frame.ptsMs < endMs - 1 && !frame.reanchored) {
          // The tap filling the same gap on resumption: already covered.
          if (frame.filledSamples === frame.samples.length) continue;
          last = { ...frame, reanchored: true };
          filling = false;
          yield last;
          continue;
        }
      }
      filling = false;
      last = frame;
      yield frame;
    }
  } finally {
    await it.return?.();
  }
}
