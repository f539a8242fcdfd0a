import type { AudioFrame } from '../../core/media.js';
import type { SpeechProbability, Vad } from '../../models/roles/vad.js';
import { SightlineError } from '../../protocol/errors.js';
import { createResampler, type ResampleQuality } from '../audio/resample.js';
import type { Stage, StageContext } from '../core/stage.js';

/** A VAD verdict as the turn detector reads it. */
export interface VadVerdict extends SpeechProbability {
  /** True on the first verdict of a new timeline (the audio before it does not lead here). */
  reanchored?: boolean;
}

export interface VadStageOptions {
  /** A `vad` metric is reported per this much audio scored (and once at the end); default 1000 ms. */
  metricsIntervalMs?: number;
  /** Quality of the conversion when the VAD's rate is not the frames' rate; default 'medium'. */
  resampleQuality?: ResampleQuality;
}

/**
 * Creates the VAD stage: caller audio frames in, one verdict per scored VAD
 * window out, on the frames' timeline. One `VadStream` per run (the model is
 * shared); it is reset where a frame says the timeline was re-anchored, and the
 * first verdict after that says so. Frames at another rate than the VAD's go
 * through the streaming resampler (output times stay true). Reports `vad`
 * metrics: audio scored, windows, and the clock time spent in the model.
 */
export function createVadStage(vad: Vad, options: VadStageOptions = {}): Stage<AudioFrame, VadVerdict> {
  const intervalMs = options.metricsIntervalMs ?? 1000;
  if (!(intervalMs > 0)) {
    throw new SightlineError(
      'ERR_INVALID_ARGUMENT',
      `vad stage: metricsIntervalMs must be > 0, got ${intervalMs}`,
    );
  }
  const resample = createResampler({ targetRateHz: vad.sampleRateHz, quality: options.resampleQuality });

  return async function* detectVoice(input, ctx: StageContext) {
    const stream = vad.createStream();
    /** `ptsMs` of the frames that began a new timeline and whose audio has not reached the VAD yet. */
    const reanchorsMs: number[] = [];
    let markNext = false;
    const m = { audioMs: 0, inferenceMs: 0, windows: 0 };
    const report = () => {
      if (m.windows === 0) return;
      ctx.metrics.emit({
        type: 'vad',
        atMs: ctx.clock.nowMs(),
        label: vad.name,
        audioDurationMs: m.audioMs,
        inferenceDurationTotalMs: m.inferenceMs,
        inferenceCount: m.windows,
      });
      m.audioMs = 0;
      m.inferenceMs = 0;
      m.windows = 0;
    };
    async function* frames(): AsyncGenerator<AudioFrame> {
      for await (const frame of input) {
        if (frame.reanchored) reanchorsMs.push(frame.ptsMs);
        yield frame;
      }
    }
    try {
      for await (const chunk of resample(frames(), ctx)) {
        // Resampled or not, the first output of a new timeline starts exactly at its frame's ptsMs.
        while (reanchorsMs.length > 0 && chunk.ptsMs >= (reanchorsMs[0] as number) - 0.5) {
          reanchorsMs.shift();
          stream.reset();
          markNext = true;
        }
        const startedMs = ctx.clock.nowMs();
        const verdicts = await stream.process(chunk, ctx.signal);
        m.inferenceMs += ctx.clock.nowMs() - startedMs;
        for (const v of verdicts) {
          m.audioMs += v.durationMs;
          m.windows++;
          if (markNext) {
            markNext = false;
            yield { ...v, reanchored: true };
          } else yield v;
        }
        if (m.audioMs >= intervalMs) report();
      }
      report();
    } finally {
      stream.dispose();
    }
  };
}
