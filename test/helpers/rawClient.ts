import WebSocket from 'ws';
import type { SightlineServer } from '../../server/app.js';
import { waitFor } from './server.js';

/** Any message the server sent, loosely typed for assertions. */
export interface Reply {
  kind: string;
  id?: number | null;
  ok?: boolean;
  data?: Record<string, unknown>;
  error?: { code: string; message: string; retryable: boolean };
  event?: string;
}

/** A raw protocol client that records everything the server sends. */
export class RawClient {
  readonly messages: Reply[] = [];
  readonly closed: Promise<void>;
  #nextId = 100_000;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.messages.push(JSON.parse(String(d)) as Reply));
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
  }

  static async open(url: string): Promise<RawClient> {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    return new RawClient(ws);
  }

  /** Sends a request without waiting; returns its id. */
  send(method: string, data: unknown = {}): number {
    const id = this.#nextId++;
    this.ws.send(JSON.stringify({ v: 1, kind: 'request', id, method, data }));
    return id;
  }

  async sendRaw(raw: string | Buffer, binary = false): Promise<Reply> {
    const n = this.messages.filter((m) => m.kind === 'response').length;
    this.ws.send(raw, { binary });
    return waitFor(() => this.messages.filter((m) => m.kind === 'response')[n], 5000, 'a reply');
  }

  async request(method: string, data: unknown = {}): Promise<Reply> {
    const id = this.send(method, data);
    return waitFor(
      () => this.messages.find((m) => m.kind === 'response' && m.id === id),
      5000,
      `reply to ${method}`,
    );
  }

  close(): void {
    this.ws.close();
  }
}

/** A fresh session token from the server's dev-mode endpoint. */
export async function issueToken(server: SightlineServer): Promise<string> {
  const res = await fetch(`${server.url}/api/token`, { method: 'POST' });
  return ((await res.json()) as { token: string }).token;
}
