import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { SIGNALING_PATH } from '../../protocol/version.js';
import { waitFor } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcpProxy.js';

const BODY_BYTES = 256 * 1024;

describe('TcpProxy: cuts the signaling WebSocket and uploads the way a bad network would', () => {
  let server: http.Server;
  let wss: WebSocketServer;
  let proxy: TcpProxy;
  /** Body bytes the server got per PATCH, and whether the request ended normally. */
  const patches: { bytes: number; complete: boolean }[] = [];
  let serverSocketsClosed = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.method !== 'PATCH') {
        res.end('ok');
        return;
      }
      const p = { bytes: 0, complete: false };
      patches.push(p);
      req.on('data', (c: Buffer) => {
        p.bytes += c.length;
      });
      req.on('end', () => {
        p.complete = true;
        res.writeHead(204).end();
      });
    });
    wss = new WebSocketServer({ server, path: SIGNALING_PATH });
    wss.on('connection', (ws) => {
      ws.on('message', (m) => ws.send(`echo ${m.toString()}`));
      ws.on('close', () => serverSocketsClosed++);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    proxy = await TcpProxy.start(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });

  afterAll(async () => {
    await proxy.close();
    wss.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const patch = (bytes = BODY_BYTES) =>
    fetch(`${proxy.url}/api/videos/v1`, {
      method: 'PATCH',
      body: new Uint8Array(bytes),
      headers: { 'content-type': 'application/offset+octet-stream' },
    });

  it('resets the WebSocket at both ends; HTTP and a new WebSocket still get through', async () => {
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}${SIGNALING_PATH}`);
    await new Promise((r) => ws.once('open', r));
    ws.send('hi');
    const [echo] = (await new Promise((r) => ws.once('message', (m) => r([m.toString()])))) as string[];
    expect(echo).toBe('echo hi');
    expect(proxy.openWebSockets).toBe(1);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.on('error', () => undefined);
    expect(proxy.cutWebSockets()).toBe(1);
    // No closing handshake: an abnormal closure, as after a network drop.
    expect(await closed).toBe(1006);
    await waitFor(() => serverSocketsClosed === 1, 5000, 'the server to see its socket go');
    expect(await (await fetch(`${proxy.url}/`)).text()).toBe('ok');
    const again = new WebSocket(`${proxy.url.replace('http', 'ws')}${SIGNALING_PATH}`);
    await new Promise((r) => again.once('open', r));
    expect([proxy.webSocketsOpened, proxy.webSocketsCut, proxy.openWebSockets]).toEqual([2, 1, 1]);
    again.close();
  });

  it('cuts an upload part way: the server got some of the body, not all, and the client sees an error', async () => {
    const before = patches.length;
    const fired = proxy.trapUpload(64 * 1024, 'cut');
    await expect(patch()).rejects.toThrow();
    await fired;
    await waitFor(() => patches.length > before, 5000, 'the server to see the PATCH');
    const p = patches.at(-1) as (typeof patches)[number];
    await new Promise((r) => setTimeout(r, 100));
    expect(p.complete).toBe(false);
    expect(p.bytes).toBeGreaterThan(0);
    expect(p.bytes).toBeLessThan(64 * 1024);
    // The next upload is not trapped.
    expect((await patch()).status).toBe(204);
    expect(patches.at(-1)).toEqual({ bytes: BODY_BYTES, complete: true });
  });

  it('stalls an upload until released, then lets the whole body through', async () => {
    const before = patches.length;
    const fired = proxy.trapUpload(32 * 1024, 'stall');
    const response = patch();
    await fired;
    await waitFor(() => patches.length > before, 5000, 'the server to see the PATCH');
    const p = patches.at(-1) as (typeof patches)[number];
    await new Promise((r) => setTimeout(r, 200));
    expect(p.complete).toBe(false);
    expect(p.bytes).toBeLessThan(32 * 1024);
    proxy.release();
    expect((await response).status).toBe(204);
    expect(p).toEqual({ bytes: BODY_BYTES, complete: true });
  });
});
