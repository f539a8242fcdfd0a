import { describe, expect, it } from 'vitest';
import { validateServerMessage } from '../../../../client/sdk/validate.js';
import type { ServerEventMap } from '../../../../protocol/messages.js';

const event = <E extends keyof ServerEventMap>(name: E, data: ServerEventMap[E]) =>
  JSON.stringify({ v: 1, kind: 'event', event: name, data });

const turn: ServerEventMap['metrics'] = {
  type: 'turn',
  turnId: 't1',
  trigger: 'speech',
  endOfTurnDelayMs: 500,
  sttLatencyMs: null,
  llmTtftMs: 40,
  ttsTtfbMs: 60,
  voiceToVoiceMs: 700,
  interrupted: false,
  tokensIn: 10,
  tokensOut: 3,
  visualTokensKept: 0,
  visualTokensMerged: 0,
};

/** One valid message per event the server sends. */
const VALID: string[] = [
  event('state', { state: 'media-connected', callId: 'c1' }),
  event('state', { state: 'closed', callId: 'c1', reason: 'left' }),
  event('assistant_state', { state: 'user-speaking', turnId: null }),
  event('transcript', { utteranceId: 'u1', text: 'hi', final: false, startMs: 0, endMs: 300 }),
  event('reply', { turnId: 't1', text: 'Hello', final: true, playedMs: 800, interrupted: true }),
  event('tool_call', { callId: 'k1', name: 'lamp', arguments: { on: true }, timeoutMs: 5000 }),
  event('models', {
    ready: true,
    loaded: { vad: 'silero' },
    missing: [],
    fetchCommand: null,
    tinyTestModels: false,
  }),
  event('metrics', turn),
  event('metrics', { type: 'audio_tap', framesOut: 1, gapsFilledMs: 0, lateDropped: 0, reordered: 0 }),
  event('video_answer', {
    turnId: 't1',
    videoId: 'v1',
    kind: 'time',
    citations: [{ tMs: 1000, label: '00:01' }],
    evidence: {
      frames: [{ tMs: 1000, url: '/f', role: 'dense' }],
      transcript: [],
      ocr: [{ tMs: 0, text: 'EXIT' }],
    },
    moments: [{ startMs: 0, endMs: 10, score: 0.5, source: 'ocr', text: 'EXIT' }],
  }),
  event('video_progress', {
    videoId: 'v1',
    status: 'ingesting',
    stage: 'frames',
    stagePercent: 10,
    percent: 5,
    error: null,
  }),
  event('error', { code: 'ERR_RATE_LIMITED', message: 'slow down', retryable: true, recoverable: true }),
  JSON.stringify({ v: 1, kind: 'response', id: 3, ok: true, data: { turnId: 't' } }),
  JSON.stringify({
    v: 1,
    kind: 'response',
    id: null,
    ok: false,
    error: { code: 'ERR_BAD_JSON', message: 'x', retryable: false, recoverable: true },
  }),
];

describe('validateServerMessage', () => {
  it('passes every event the server sends, and responses', () => {
    for (const raw of VALID) expect(validateServerMessage(raw), raw).toMatchObject({ ok: true });
  });

  it('lets extra fields through (a newer server may add some)', () => {
    const raw = JSON.stringify({
      v: 1,
      kind: 'event',
      event: 'transcript',
      data: { utteranceId: 'u', text: 't', final: true, startMs: 0, endMs: 1, language: 'en' },
    });
    expect(validateServerMessage(raw).ok).toBe(true);
  });

  it('names the first field that is missing or mistyped, never its content', () => {
    const cases: [unknown, string][] = [
      [
        {
          kind: 'event',
          event: 'transcript',
          data: { utteranceId: 'u', text: 5, final: true, startMs: 0, endMs: 1 },
        },
        'data.text',
      ],
      [
        {
          kind: 'event',
          event: 'reply',
          data: { turnId: 't', text: 'x', final: 'yes', playedMs: 0, interrupted: false },
        },
        'data.final',
      ],
      [{ kind: 'event', event: 'assistant_state', data: { state: 'dancing', turnId: null } }, 'data.state'],
      [
        { kind: 'event', event: 'tool_call', data: { callId: 'k', name: 'n', arguments: {} } },
        'data.timeoutMs',
      ],
      [{ kind: 'event', event: 'metrics', data: { ...turn, voiceToVoiceMs: 'fast' } }, 'data.voiceToVoiceMs'],
      [{ kind: 'event', event: 'metrics', data: { type: 'mystery' } }, 'data.type'],
      [
        {
          kind: 'event',
          event: 'models',
          data: { ready: true, loaded: {}, missing: ['a', 3], fetchCommand: null, tinyTestModels: false },
        },
        'data.missing.1',
      ],
      [{ kind: 'event', event: 'transcript', data: null }, 'data'],
      [{ kind: 'event', event: 'state', data: { state: 'joined', callId: 'c', reason: 4 } }, 'data.reason'],
      [{ kind: 'response', id: 'one', ok: true }, 'id'],
      [{ kind: 'response', id: 1, ok: false, error: { code: 'X' } }, 'error.message'],
      [{ kind: 'gossip' }, 'kind'],
      [[1, 2], '(message)'],
    ];
    for (const [msg, field] of cases) {
      const r = validateServerMessage(JSON.stringify(msg));
      expect(r, JSON.stringify(msg)).toMatchObject({ ok: false, reason: 'invalid', field });
    }
  });

  it('reports an unknown event by name, and text that is not JSON', () => {
    expect(validateServerMessage(JSON.stringify({ kind: 'event', event: 'weather', data: {} }))).toEqual({
      ok: false,
      reason: 'unknown-event',
      field: 'event',
      event: 'weather',
    });
    expect(validateServerMessage('{not json')).toMatchObject({ ok: false, reason: 'not-json' });
  });
});
