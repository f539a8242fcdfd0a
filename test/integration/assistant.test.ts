import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SightlineServer } from '../../server/app.js';
import { issueToken, RawClient, type Reply } from '../helpers/rawClient.js';
import { startTestServer, waitFor } from '../helpers/server.js';
import { tinyModelSetDir } from '../helpers/tinyModels.js';

/**
 * The assistant wired into a real server (real mediasoup, the tiny random model
 * set, espeak-ng or tiny Kokoro): a typed message and a still image get
 * answered through signaling alone, with the events a page relies on.
 */
describe('the assistant through signaling (tiny models)', () => {
  let server: SightlineServer;
  beforeAll(async () => {
    server = await startTestServer({ SIGHTLINE_MODELS_DIR: tinyModelSetDir() });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  const events = (c: RawClient, name: string) =>
    c.messages
      .filter((m) => m.kind === 'event' && m.event === name)
      .map((m) => m.data as Record<string, unknown>);

  async function joined(): Promise<RawClient> {
    const c = await RawClient.open(server.url);
    const r = await c.request('join', { token: await issueToken(server) });
    expect(r.ok).toBe(true);
    return c;
  }

  it('reports the loaded models (tiny) on join', async () => {
    const c = await joined();
    const [models] = events(c, 'models');
    expect(models).toMatchObject({ ready: true, tinyTestModels: true, missing: [] });
    c.close();
  });

  it('answers a typed message: thinking, speaking, a final reply and the turn metrics', async () => {
    const c = await joined();
    const r = await c.request('sendText', { text: 'Hello, who are you?' });
    expect(r.ok).toBe(true);
    const turnId = (r.data as { turnId: string }).turnId;
    const final = await waitFor(
      () => events(c, 'reply').find((e) => e.turnId === turnId && e.final === true),
      60_000,
      'the final reply',
    );
    expect(typeof final.text).toBe('string');
    const states = events(c, 'assistant_state').map((s) => s.state);
    expect(states).toContain('thinking');
    expect(states.at(-1)).toBe('listening');
    const metrics = await waitFor(
      () => events(c, 'metrics').find((m) => m.type === 'turn' && m.turnId === turnId),
      10_000,
      'the turn metrics',
    );
    expect(metrics).toMatchObject({ trigger: 'text', interrupted: false });
    expect(metrics.llmTtftMs).toBeGreaterThanOrEqual(0);
    if ((final.text as string).length > 0) {
      expect(states).toContain('speaking');
      expect(final.playedMs).toBeGreaterThan(0);
      expect(metrics.voiceToVoiceMs).toBeGreaterThan(0);
    }
    c.close();
  }, 90_000);

  it('takes a still image and answers about it; refuses a mislabelled one', async () => {
    const c = await joined();
    const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    const r = await c.request('sendImage', {
      mimeType: 'image/png',
      dataBase64: png.toString('base64'),
      text: 'What colour is this?',
    });
    expect(r.ok).toBe(true);
    expect(r.data).toMatchObject({ width: 640, height: 480 });
    const turnId = (r.data as { turnId: string }).turnId;
    await waitFor(
      () => events(c, 'reply').find((e) => e.turnId === turnId && e.final === true),
      60_000,
      'the final reply to the image',
    );
    const bad: Reply = await c.request('sendImage', {
      mimeType: 'image/jpeg',
      dataBase64: png.toString('base64'),
    });
    expect(bad.error?.code).toBe('ERR_IMAGE_FORMAT');
    c.close();
  }, 90_000);
});

describe('the assistant with models missing', () => {
  it('joins, says which models are missing, and refuses to pretend to answer', async () => {
    const server = await startTestServer();
    try {
      const c = await RawClient.open(server.url);
      expect((await c.request('join', { token: await issueToken(server) })).ok).toBe(true);
      const models = c.messages.find((m) => m.event === 'models')?.data as Record<string, unknown>;
      expect(models).toMatchObject({
        ready: false,
        fetchCommand: expect.stringContaining('npx sightline models pull'),
      });
      expect((models.missing as string[]).length).toBeGreaterThan(0);
      const r = await c.request('sendText', { text: 'hello?' });
      expect(r.error?.code).toBe('ERR_ASSISTANT_UNAVAILABLE');
      c.close();
    } finally {
      await server.close();
    }
  }, 60_000);
});
