/**
 * What the stages measure, as one discriminated union on `type` (after
 * livekit agents-js `metrics/base.ts`). Every duration is in milliseconds on
 * the call's clock and says so in its name. Metrics carry sizes and times,
 * never user content.
 */

interface MetricsBase {
  /** Clock time (ms) the measurement was taken. */
  atMs: number;
  /** The implementation measured (`'kokoro'`, `'fake-stt'`, ...). */
  label: string;
}

/** Voice activity detection over a stretch of audio. */
export interface VadMetrics extends MetricsBase {
  type: 'vad';
  /** Audio covered by the windows scored since the last report. */
  audioDurationMs: number;
  inferenceDurationTotalMs: number;
  inferenceCount: number;
}

/** One end-of-turn prediction. */
export interface TurnMetrics extends MetricsBase {
  type: 'turn';
  durationMs: number;
  /** The model's probability that the turn is complete (0–1). */
  probability: number;
  audioDurationMs: number;
}

/** One transcription. */
export interface SttMetrics extends MetricsBase {
  type: 'stt';
  requestId: string;
  durationMs: number;
  audioDurationMs: number;
}

/** One generation by the language model. */
export interface LlmMetrics extends MetricsBase {
  type: 'llm';
  requestId: string;
  /** Time to the first token. */
  ttftMs: number;
  durationMs: number;
  completionTokens: number;
  cancelled: boolean;
}

/** One synthesis (one sentence, as the speaker drives it). */
export interface TtsMetrics extends MetricsBase {
  type: 'tts';
  requestId: string;
  /** Time to the first audio. */
  ttfbMs: number;
  durationMs: number;
  audioDurationMs: number;
  characters: number;
  cancelled: boolean;
}

/** One text-recognition pass over an image. */
export interface OcrMetrics extends MetricsBase {
  type: 'ocr';
  durationMs: number;
  lines: number;
}

/** End of the user's utterance to the moments the assistant could act on it. */
export interface EouMetrics extends MetricsBase {
  type: 'eou';
  /** End of speech (VAD) to the end-of-turn decision. */
  endOfUtteranceDelayMs: number;
  /** End of speech to the final transcript. */
  transcriptionDelayMs: number;
}

/** Any metric a stage reports. */
export type Metrics =
  | VadMetrics
  | TurnMetrics
  | SttMetrics
  | LlmMetrics
  | TtsMetrics
  | OcrMetrics
  | EouMetrics;

/** The `type` tags of {@link Metrics}. */
export type MetricsType = Metrics['type'];

/** Where stages report metrics. Implementations must not throw into the stage. */
export interface MetricsSink {
  emit(metrics: Metrics): void;
}

/** A sink that drops everything. */
export const nullMetrics: MetricsSink = { emit() {} };

/**
 * Keeps every metric in memory, for tests and the harness. It grows with
 * every report: do not give it to a long-running call.
 */
export class MemoryMetrics implements MetricsSink {
  readonly #records: Metrics[] = [];

  emit(metrics: Metrics): void {
    this.#records.push(metrics);
  }

  /** Everything reported, in order. */
  get all(): readonly Metrics[] {
    return this.#records;
  }

  /** The reports of one type, typed by it. */
  ofType<T extends MetricsType>(type: T): Extract<Metrics, { type: T }>[] {
    return this.#records.filter((m): m is Extract<Metrics, { type: T }> => m.type === type);
  }
}
