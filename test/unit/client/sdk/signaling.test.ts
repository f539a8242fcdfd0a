import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { SignalingClient } from '../../../../client/sdk/signaling.js';

/**
 * The SDK's socket against a server that sends what a buggy or newer server
 * might: unknown events and malformed ones are dropped with a debug line, the
 * valid ones still arrive, nothing throws.
 */
describe('SignalingClient drops what it cannot trust', () => {
  let wss: WebSocketServer;
  let url: string;
  const g = globalThis as { WebSocket?: unknown };
  const had = g.WebSocket;

  beforeEach(async () => {
    g.WebSocket = NodeWebSocket;
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const address = wss.address() as { port: number };
    url = `ws://127.0.0.1:${address.port}`;
  });

  afterEach(async () => {
    g.WebSocket = had;
    await new Promise((r) => wss.close(r));
  });

  it('ignores an unknown event and an invalid one with logger.debug; valid events and responses pass', async () => {
    wss.on('connection', (ws) => {
      ws.on('message', (raw) => {
        const { id } = JSON.parse(String(raw)) as { id: number };
        ws.send(JSON.stringify({ v: 1, kind: 'event', event: 'weather', data: { sunny: true } }));
        ws.send(JSON.stringify({ v: 1, kind: 'event', event: 'transcript', data: { text: 42 } }));
        ws.send(JSON.stringify({ v: 1, kind: 'gossip' }));
        ws.send(
          JSON.stringify({
            v: 1,
            kind: 'event',
            event: 'transcript',
            data: { utteranceId: 'u', text: 'hello', final: true, startMs: 0, endMs: 1 },
          }),
        );
        ws.send(JSON.stringify({ v: 1, kind: 'response', id, ok: true, data: { serverTimeMs: 5 } }));
      });
    });
    const debug = vi.fn();
    const client = await SignalingClient.connect(url, 5000, { debug });
    const transcripts: unknown[] = [];
    client.on('transcript', (t) => transcripts.push(t));
    expect(await client.request('ping', {})).toEqual({ serverTimeMs: 5 });
    expect(transcripts).toEqual([{ utteranceId: 'u', text: 'hello', final: true, startMs: 0, endMs: 1 }]);
    expect(debug.mock.calls.map(([msg, fields]) => [msg, fields])).toEqual([
      ['sightline: ignored an unknown server message', { event: 'weather', field: 'event' }],
      ['sightline: ignored an invalid server message', { event: 'transcript', field: 'data.utteranceId' }],
      ['sightline: ignored an invalid server message', { event: undefined, field: 'kind' }],
    ]);
    // Nothing user-provided reaches the log line.
    expect(JSON.stringify(debug.mock.calls)).not.toContain('sunny');
    client.close();
  });
});
