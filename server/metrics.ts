import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { TurnMetrics } from '../protocol/messages.js';

/** Buckets for per-turn latencies, in ms: 10 ms to 10 s, denser where the targets are (≤ 1 s). */
export const TURN_LATENCY_BUCKETS_MS = [
  10, 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000,
];

const TURN_LATENCIES = {
  voiceToVoiceMs: [
    'voice_to_voice_ms',
    "End of the person's speech to the first assistant audio packet sent",
  ],
  endOfTurnDelayMs: ['end_of_turn_delay_ms', 'End of speech to the end-of-turn decision'],
  sttLatencyMs: ['stt_latency_ms', 'End-of-turn decision to the final transcript'],
  llmTtftMs: ['llm_ttft_ms', 'LLM request to its first token'],
  ttsTtfbMs: ['tts_ttfb_ms', "First sentence to TTS's first audio"],
} as const satisfies Partial<Record<keyof TurnMetrics, readonly [string, string]>>;

/** A count for a counter: prom-client throws on a negative or non-finite increment, and a metric must never throw. */
function count(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** The server's Prometheus metrics, on a registry of its own (several servers can share a process in tests). */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly callsActive = new Gauge({
    name: 'sightline_calls_active',
    help: 'Calls in progress',
    registers: [this.registry],
  });
  readonly callsTotal = new Counter({
    name: 'sightline_calls_total',
    help: 'Calls started',
    registers: [this.registry],
  });
  readonly workersAlive = new Gauge({
    name: 'sightline_media_workers_alive',
    help: 'Live mediasoup workers',
    registers: [this.registry],
  });
  readonly workerDeaths = new Counter({
    name: 'sightline_media_worker_deaths_total',
    help: 'mediasoup workers that died',
    registers: [this.registry],
  });
  readonly tapsActive = new Gauge({
    name: 'sightline_media_taps_active',
    help: 'Media taps running',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly tapRestarts = new Counter({
    name: 'sightline_video_tap_restarts_total',
    help: 'ffmpeg restarts in video taps',
    registers: [this.registry],
  });
  readonly transportsActive = new Gauge({
    name: 'sightline_media_transports_active',
    help: 'Open WebRTC transports',
    registers: [this.registry],
  });
  readonly callResumes = new Counter({
    name: 'sightline_call_resumes_total',
    help: 'Calls whose WebSocket dropped, by outcome: resumed on a new connection, or expired (closed after the window)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'sightline_errors_total',
    help: 'Errors reported to clients, by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly signalingMessages = new Counter({
    name: 'sightline_signaling_messages_total',
    help: 'Signaling requests received, by method',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });

  /** Per-turn latencies (ms), labelled by what started the turn (speech, text, image). */
  readonly turnLatency = Object.fromEntries(
    Object.entries(TURN_LATENCIES).map(([key, [name, help]]) => [
      key,
      new Histogram({
        name: `sightline_turn_${name}`,
        help,
        labelNames: ['trigger'] as const,
        buckets: TURN_LATENCY_BUCKETS_MS,
        registers: [this.registry],
      }),
    ]),
  ) as Record<keyof typeof TURN_LATENCIES, Histogram<'trigger'>>;
  readonly turns = new Counter({
    name: 'sightline_turns_total',
    help: 'Assistant turns finished, by trigger',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });
  readonly interruptions = new Counter({
    name: 'sightline_turn_interruptions_total',
    help: 'Assistant turns cut by the person speaking over them',
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'sightline_llm_tokens_total',
    help: 'LLM tokens, by direction (in: prompt, out: generated)',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });
  readonly visualTokens = new Counter({
    name: 'sightline_visual_tokens_total',
    help: 'Visual tokens seen by the compressor, by outcome (kept, merged)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Records one finished assistant turn; a figure that is null (the stage did not run) is not observed. */
  recordTurn(m: TurnMetrics): void {
    const labels = { trigger: m.trigger };
    for (const key of Object.keys(TURN_LATENCIES) as (keyof typeof TURN_LATENCIES)[]) {
      const v = m[key];
      if (v !== null && Number.isFinite(v)) this.turnLatency[key].observe(labels, v);
    }
    this.turns.inc(labels);
    if (m.interrupted) this.interruptions.inc();
    this.tokens.inc({ direction: 'in' }, count(m.tokensIn));
    this.tokens.inc({ direction: 'out' }, count(m.tokensOut));
    this.visualTokens.inc({ outcome: 'kept' }, count(m.visualTokensKept));
    this.visualTokens.inc({ outcome: 'merged' }, count(m.visualTokensMerged));
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
