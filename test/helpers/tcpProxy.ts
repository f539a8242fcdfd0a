import net from 'node:net';
import { SIGNALING_PATH } from '../../protocol/version.js';

/**
 * A TCP proxy in front of the server's HTTP port: the browser loads the page,
 * the SDK, the signaling WebSocket and the tus uploads through it, and the test
 * cuts what a flaky network would — the WebSocket (both ends get a reset, as
 * when a NAT or a Wi-Fi drops the flow), or an upload part way through its
 * body — without any hook in the server. Media (WebRTC over UDP) does not pass
 * here; test/helpers/netBlock.ts breaks that.
 */

interface Flow {
  client: net.Socket;
  upstream: net.Socket;
  /** The first request line seen on this connection ("GET /ws HTTP/1.1"). */
  firstLine: string;
  websocket: boolean;
  /** Bytes of the current PATCH /api/videos request forwarded so far; null when none runs. */
  uploadBytes: number | null;
}

/** What the next upload through the proxy suffers once `afterBytes` of its PATCH have passed. */
interface UploadTrap {
  afterBytes: number;
  mode: 'cut' | 'stall';
  /** PATCH requests still to catch (a browser resends a request cut on a reused socket once, by itself). */
  times: number;
  fired: () => void;
}

const UPLOAD_REQUEST = Buffer.from('PATCH /api/videos/');

export class TcpProxy {
  readonly #server: net.Server;
  readonly #flows = new Set<Flow>();
  readonly #target: { host: string; port: number };
  #trap: UploadTrap | null = null;
  #stalled: { flow: Flow; pending: Buffer[] } | null = null;
  /** Sockets whose WebSocket the proxy has cut, in all. */
  webSocketsCut = 0;
  /** Signaling WebSockets opened through the proxy, in all. */
  webSocketsOpened = 0;

  private constructor(server: net.Server, target: { host: string; port: number }) {
    this.#server = server;
    this.#target = target;
  }

  /** Listens on 127.0.0.1, an ephemeral port, forwarding to `targetUrl`'s host and port. */
  static async start(targetUrl: string): Promise<TcpProxy> {
    const u = new URL(targetUrl);
    const target = { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
    const server = net.createServer();
    const proxy = new TcpProxy(server, target);
    server.on('connection', (client) => proxy.#accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The base URL a page uses instead of the server's. */
  get url(): string {
    const { port } = this.#server.address() as net.AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Open signaling WebSockets through the proxy now. */
  get openWebSockets(): number {
    return [...this.#flows].filter((f) => f.websocket).length;
  }

  #accept(client: net.Socket): void {
    client.setNoDelay(true);
    const upstream = net.connect(this.#target.port, this.#target.host);
    upstream.setNoDelay(true);
    const flow: Flow = { client, upstream, firstLine: '', websocket: false, uploadBytes: null };
    this.#flows.add(flow);
    const end = () => {
      this.#flows.delete(flow);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    upstream.on('data', (chunk: Buffer) => {
      if (!client.destroyed) client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => this.#fromClient(flow, chunk));
  }

  #fromClient(flow: Flow, chunk: Buffer): void {
    if (flow.firstLine === '') {
      flow.firstLine = chunk.subarray(0, chunk.indexOf('\r\n')).toString('latin1');
      flow.websocket =
        flow.firstLine.startsWith(`GET ${SIGNALING_PATH}`) &&
        /\r\nupgrade:\s*websocket/i.test(chunk.toString());
      if (flow.websocket) this.webSocketsOpened++;
    }
    if (this.#stalled?.flow === flow) {
      this.#stalled.pending.push(chunk);
      return;
    }
    const start = chunk.indexOf(UPLOAD_REQUEST);
    if (start >= 0) flow.uploadBytes = 0;
    const trap = this.#trap;
    if (flow.uploadBytes === null || trap === null) {
      flow.upstream.write(chunk);
      return;
    }
    const from = Math.max(0, start);
    const room = trap.afterBytes - flow.uploadBytes;
    if (chunk.length - from <= room) {
      flow.uploadBytes += chunk.length - from;
      flow.upstream.write(chunk);
      return;
    }
    // This chunk crosses the trap's mark: forward up to it, then cut or hold the rest.
    const cut = from + room;
    flow.upstream.write(chunk.subarray(0, cut));
    flow.uploadBytes += room;
    trap.times--;
    if (trap.times <= 0) this.#trap = null;
    if (trap.mode === 'cut') {
      flow.uploadBytes = null;
      // Let the forwarded part reach the server before the reset.
      flow.upstream.end(() => {
        flow.client.resetAndDestroy();
        flow.upstream.destroy();
        if (trap.times <= 0) trap.fired();
      });
      return;
    }
    flow.client.pause();
    this.#stalled = { flow, pending: [chunk.subarray(cut)] };
    trap.fired();
  }

  /** Resets every signaling WebSocket through the proxy (both ends); returns how many. New ones get through. */
  cutWebSockets(): number {
    let n = 0;
    for (const f of this.#flows) {
      if (!f.websocket) continue;
      this.#flows.delete(f);
      f.client.resetAndDestroy();
      f.upstream.resetAndDestroy();
      n++;
    }
    this.webSocketsCut += n;
    return n;
  }

  /**
   * Arms a trap for the next upload (`PATCH /api/videos/…`): after `afterBytes`
   * of its request have reached the server, the connection is reset (`cut`) or
   * held without a byte more (`stall`, until `release()`). A cut catches `times` PATCH
   * requests in a row (Chromium silently resends a request cut on a reused connection once:
   * `times: 2` makes the cut reach the app). Resolves when the last one is caught.
   */
  trapUpload(afterBytes: number, mode: 'cut' | 'stall', times = 1): Promise<void> {
    return new Promise((resolve) => {
      this.#trap = { afterBytes, mode, times: mode === 'stall' ? 1 : times, fired: resolve };
    });
  }

  /** Lets a stalled upload go on (or does nothing when none is held). */
  release(): void {
    const s = this.#stalled;
    this.#stalled = null;
    if (!s) return;
    for (const c of s.pending) s.flow.upstream.write(c);
    s.flow.client.resume();
  }

  /** Closes the listener and every flow through it. */
  async close(): Promise<void> {
    this.#trap = null;
    this.#stalled = null;
    for (const f of this.#flows) {
      f.client.destroy();
      f.upstream.destroy();
    }
    this.#flows.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
