import type { Browser, Page } from 'playwright-core';
import type { ConnectOptions, SessionEvents, StartOptions } from '../../client/sdk/api.js';
import { waitFor } from './server.js';

/**
 * A blank page on the server's origin (or a proxy's) that loads the public SDK
 * bundle (`/sdk.js`, built from client/sdk/index.ts) and drives one `Session`
 * as an app would: `connect()`, `start()`, the methods, and a log of every
 * event the session emits, read back by the test. The token is the test's
 * choice: `getToken` (each call fetches a fresh dev token and is counted),
 * a fixed `token`, or none (the SDK asks the dev endpoint itself).
 */

/** One event the session emitted, as the page saw it (errors flattened to their wire fields). */
export interface SdkEvent {
  name: keyof SessionEvents;
  data: unknown;
  /** The page's performance.now() when it was emitted. */
  atMs: number;
}

export type TokenMode =
  | { kind: 'getToken'; user?: string }
  | { kind: 'token'; token: string }
  | { kind: 'dev' };

export interface SdkConnectOptions {
  auth: TokenMode;
  user?: string;
  reconnect?: ConnectOptions['reconnect'];
  requestTimeoutMs?: number;
}

/** Everything the page keeps on `window.__sl`. */
interface PageState {
  events: SdkEvent[];
  /** Tokens getToken handed out, in order. */
  tokens: string[];
  session: unknown;
  connectError: unknown;
}

/**
 * Any small document the server itself serves: Chromium lets a page talk to a loopback server
 * only when the page came from a local address too, so the harness cannot be a page the test
 * fulfils itself (its WebSocket would be ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS).
 */
const HOST_DOCUMENT = '/healthz';

/** Opens the harness on `baseUrl` (the SDK bundle and all HTTP go to that origin). */
export async function openSdkPage(browser: Browser, baseUrl: string): Promise<SdkPage> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(`${baseUrl}${HOST_DOCUMENT}`);
  // tsx (the benches) compiles with keepNames: functions passed to evaluate call esbuild's __name.
  await page.evaluate('globalThis.__name = (f) => f');
  // The bundle is imported by the page itself, as an app's `<script type="module">` would.
  await page.addScriptTag({
    type: 'module',
    content: 'import * as sdk from "/sdk.js"; globalThis.__sdk = sdk;',
  });
  await page.waitForFunction(() => '__sdk' in globalThis, null, { timeout: 10_000 });
  return new SdkPage(page);
}

/** The page-side names are strings so the functions below survive serialisation into the page. */
const EVENT_NAMES: (keyof SessionEvents)[] = [
  'state',
  'userTranscript',
  'assistantText',
  'toolCall',
  'metrics',
  'models',
  'error',
  'assistantTrack',
  'localStream',
  'videoProgress',
  'videoAnswer',
  'reconnected',
];

export class SdkPage {
  readonly page: Page;
  /** Signaling requests the page sent (method names with their data), captured from its WebSockets. */
  readonly sent: { method: string; data: Record<string, unknown> }[] = [];

  constructor(page: Page) {
    this.page = page;
    page.on('websocket', (ws) =>
      ws.on('framesent', (frame) => {
        if (typeof frame.payload !== 'string') return;
        try {
          const m = JSON.parse(frame.payload) as {
            kind?: string;
            method?: string;
            data?: Record<string, unknown>;
          };
          if (m.kind === 'request' && m.method) this.sent.push({ method: m.method, data: m.data ?? {} });
        } catch {
          // not JSON: not ours
        }
      }),
    );
  }

  /** `connect()` in the page; resolves once it did (or rejects with the SDK's error code and message). */
  async connect(options: SdkConnectOptions): Promise<void> {
    const error = await this.page.evaluate(
      async ({ o, names }) => {
        const w = globalThis as unknown as { __sl: PageState };
        const sdk = (globalThis as unknown as { __sdk: unknown }).__sdk as {
          connect: (c: Record<string, unknown>) => Promise<{
            on(e: string, l: (...a: unknown[]) => void): () => void;
          }>;
        };
        w.__sl = { events: [], tokens: [], session: null, connectError: null };
        const c: Record<string, unknown> = {
          url: location.origin,
          logger: { debug: (m: string, f?: unknown) => console.debug('[sdk]', m, JSON.stringify(f ?? {})) },
        };
        if (o.user) c.user = o.user;
        if (o.reconnect) c.reconnect = o.reconnect;
        if (o.requestTimeoutMs) c.requestTimeoutMs = o.requestTimeoutMs;
        if (o.auth.kind === 'token') c.token = o.auth.token;
        if (o.auth.kind === 'getToken') {
          const user = o.auth.user;
          c.getToken = async () => {
            const res = await fetch('/api/token', {
              method: 'POST',
              ...(user
                ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) }
                : {}),
            });
            const { token } = (await res.json()) as { token: string };
            w.__sl.tokens.push(token);
            return token;
          };
        }
        const flatten = (v: unknown): unknown => {
          if (v instanceof Error) {
            const e = v as Error & { code?: string; recoverable?: boolean; retryable?: boolean };
            return { code: e.code, message: e.message, recoverable: e.recoverable, retryable: e.retryable };
          }
          if (typeof MediaStreamTrack !== 'undefined' && v instanceof MediaStreamTrack)
            return { track: v.kind };
          if (typeof MediaStream !== 'undefined' && v instanceof MediaStream) return { stream: v.id };
          return v;
        };
        try {
          const session = await sdk.connect(c);
          w.__sl.session = session;
          for (const name of names) {
            session.on(name, (...args: unknown[]) =>
              w.__sl.events.push({ name, data: flatten(args[0]), atMs: performance.now() } as SdkEvent),
            );
          }
          return null;
        } catch (e) {
          return flatten(e) as { code?: string; message: string };
        }
      },
      { o: options, names: EVENT_NAMES },
    );
    if (error) {
      const e = error as { code?: string; message: string };
      throw Object.assign(new Error(`connect failed: ${e.code} ${e.message}`), { code: e.code });
    }
  }

  /** Calls a Session method in the page; a rejection comes back as `{ error: { code, message } }`. */
  async call<T = unknown>(
    method: string,
    ...args: unknown[]
  ): Promise<{ value: T } | { error: { code?: string; message: string } }> {
    return this.page.evaluate(
      async ({ method, args }) => {
        const s = (globalThis as unknown as { __sl: PageState }).__sl.session as Record<
          string,
          (...a: unknown[]) => Promise<unknown>
        >;
        try {
          return { value: (await s[method]?.(...args)) as never };
        } catch (e) {
          const x = e as Error & { code?: string };
          return { error: { code: x.code, message: x.message } };
        }
      },
      { method, args },
    ) as Promise<{ value: T } | { error: { code?: string; message: string } }>;
  }

  /** Like `call`, but throws on a rejection. */
  async must<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    const r = await this.call<T>(method, ...args);
    if ('error' in r)
      throw Object.assign(new Error(`${method}: ${r.error.code} ${r.error.message}`), r.error);
    return r.value;
  }

  start(options: StartOptions = { audio: true, video: false }): Promise<void> {
    return this.must('start', options);
  }

  /** A property of the session (`state`, `callId`, …). */
  prop<T>(name: string): Promise<T> {
    return this.page.evaluate(
      (n) =>
        ((globalThis as unknown as { __sl: PageState }).__sl.session as Record<string, unknown>)[n] as never,
      name,
    );
  }

  async events(name?: keyof SessionEvents): Promise<SdkEvent[]> {
    const all = await this.page.evaluate(() => (globalThis as unknown as { __sl: PageState }).__sl.events);
    return name ? all.filter((e) => e.name === name) : all;
  }

  /** The session's state changes, in order. */
  async states(): Promise<string[]> {
    return (await this.events('state')).map((e) => e.data as string);
  }

  tokens(): Promise<string[]> {
    return this.page.evaluate(() => (globalThis as unknown as { __sl: PageState }).__sl.tokens);
  }

  /** Waits for the `count`-th event `name` (from the start of the session) that `match` accepts. */
  async waitEvent<T = unknown>(
    name: keyof SessionEvents,
    timeoutMs: number,
    match: (data: T) => boolean = () => true,
    count = 1,
  ): Promise<T> {
    return waitFor(
      async () => {
        const hits = (await this.events(name)).filter((e) => match(e.data as T));
        return hits.length >= count ? (hits[count - 1]?.data as T) : undefined;
      },
      timeoutMs,
      `event ${name}${count > 1 ? ` #${count}` : ''}`,
    );
  }

  /** Waits until the session's state is `state`. */
  async waitState(state: string, timeoutMs: number): Promise<void> {
    await waitFor(async () => (await this.prop<string>('state')) === state, timeoutMs, `state ${state}`);
  }

  close(): Promise<void> {
    return this.page.close().catch(() => undefined);
  }
}
