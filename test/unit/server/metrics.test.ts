import { describe, expect, it } from 'vitest';
import type { TurnMetrics } from '../../../protocol/messages.js';
import { ServerMetrics } from '../../../server/metrics.js';
import { metricValue } from '../../helpers/server.js';

function turn(over: Partial<TurnMetrics> = {}): TurnMetrics {
  return {
    type: 'turn',
    turnId: 't1',
    trigger: 'speech',
    endOfTurnDelayMs: 520,
    sttLatencyMs: 80,
    llmTtftMs: 40,
    ttsTtfbMs: 60,
    voiceToVoiceMs: 700,
    interrupted: false,
    tokensIn: 300,
    tokensOut: 25,
    visualTokensKept: 128,
    visualTokensMerged: 384,
    ...over,
  };
}

describe('ServerMetrics.recordTurn', () => {
  it('observes each latency in its histogram, by trigger', async () => {
    const m = new ServerMetrics({ defaultMetrics: false });
    m.recordTurn(turn());
    m.recordTurn(turn({ turnId: 't2', voiceToVoiceMs: 1200 }));
    const text = await m.render();
    const v2v = 'sightline_turn_voice_to_voice_ms';
    expect(metricValue(text, `${v2v}_count{trigger="speech"}`)).toBe(2);
    expect(metricValue(text, `${v2v}_sum{trigger="speech"}`)).toBe(1900);
    // 700 falls in le=750, 1200 in le=1500 (cumulative buckets).
    expect(metricValue(text, `${v2v}_bucket{le="500",trigger="speech"}`)).toBe(0);
    expect(metricValue(text, `${v2v}_bucket{le="750",trigger="speech"}`)).toBe(1);
    expect(metricValue(text, `${v2v}_bucket{le="1500",trigger="speech"}`)).toBe(2);
    expect(metricValue(text, 'sightline_turn_end_of_turn_delay_ms_sum{trigger="speech"}')).toBe(1040);
    expect(metricValue(text, 'sightline_turn_stt_latency_ms_sum{trigger="speech"}')).toBe(160);
    expect(metricValue(text, 'sightline_turn_llm_ttft_ms_sum{trigger="speech"}')).toBe(80);
    expect(metricValue(text, 'sightline_turn_tts_ttfb_ms_sum{trigger="speech"}')).toBe(120);
  });

  it('skips the figures of stages that did not run (a typed turn has no STT)', async () => {
    const m = new ServerMetrics({ defaultMetrics: false });
    m.recordTurn(turn({ trigger: 'text', endOfTurnDelayMs: null, sttLatencyMs: null, voiceToVoiceMs: 400 }));
    const text = await m.render();
    expect(metricValue(text, 'sightline_turn_stt_latency_ms_count{trigger="text"}', 0)).toBe(0);
    expect(metricValue(text, 'sightline_turn_end_of_turn_delay_ms_count{trigger="text"}', 0)).toBe(0);
    expect(metricValue(text, 'sightline_turn_voice_to_voice_ms_count{trigger="text"}')).toBe(1);
    expect(metricValue(text, 'sightline_turns_total{trigger="text"}')).toBe(1);
  });

  it('counts turns, interruptions, tokens and visual tokens', async () => {
    const m = new ServerMetrics({ defaultMetrics: false });
    expect(metricValue(await m.render(), 'sightline_turn_interruptions_total')).toBe(0);
    m.recordTurn(turn());
    m.recordTurn(turn({ turnId: 't2', interrupted: true, tokensIn: 100, tokensOut: 5 }));
    m.recordTurn(turn({ turnId: 't3', trigger: 'image', visualTokensKept: 0, visualTokensMerged: 0 }));
    const text = await m.render();
    expect(metricValue(text, 'sightline_turns_total{trigger="speech"}')).toBe(2);
    expect(metricValue(text, 'sightline_turns_total{trigger="image"}')).toBe(1);
    expect(metricValue(text, 'sightline_turn_interruptions_total')).toBe(1);
    expect(metricValue(text, 'sightline_llm_tokens_total{direction="in"}')).toBe(700);
    expect(metricValue(text, 'sightline_llm_tokens_total{direction="out"}')).toBe(55);
    expect(metricValue(text, 'sightline_visual_tokens_total{outcome="kept"}')).toBe(256);
    expect(metricValue(text, 'sightline_visual_tokens_total{outcome="merged"}')).toBe(768);
  });

  it('never throws on a nonsense figure (a metric must not end a turn)', async () => {
    const m = new ServerMetrics({ defaultMetrics: false });
    expect(() =>
      m.recordTurn(turn({ tokensIn: -1, tokensOut: Number.NaN, voiceToVoiceMs: Number.POSITIVE_INFINITY })),
    ).not.toThrow();
    const text = await m.render();
    expect(metricValue(text, 'sightline_llm_tokens_total{direction="in"}')).toBe(0);
    expect(metricValue(text, 'sightline_turn_voice_to_voice_ms_count{trigger="speech"}', 0)).toBe(0);
  });
});
