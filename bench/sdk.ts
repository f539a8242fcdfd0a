/**
 * The SDK as an app feels it, on loopback, in real Chromium with fake devices:
 *   - connect() → start() resolved (signaling, join, transports, ICE + DTLS done,
 *     the microphone produced, the assistant consumed): median of 20 fresh sessions;
 *   - reconnect after a WebSocket reset (TcpProxy cuts it at both ends) until the
 *     session's `reconnected`: median of 10, as the test process sees it and as
 *     the SDK reports (`downMs`);
 *   - bundle sizes, minified and gzipped: the core (client/sdk/index.ts, without
 *     mediasoup-client), the React entry (without the core) and the one-file bundle,
 *     computed here with esbuild, plus client/dist's files when the package was built.
 * Prints a table and one JSON line; asserts nothing.
 *
 *   npm run bench:sdk [-- --sessions=20 --cuts=10]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { launchBrowser } from '../test/helpers/browser.js';
import { openSdkPage } from '../test/helpers/sdkPage.js';
import { startTestServer } from '../test/helpers/server.js';
import { TcpProxy } from '../test/helpers/tcpProxy.js';

const arg = (name: string, fallback: number): number => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
const SESSIONS = arg('sessions', 20);
const CUTS = arg('cuts', 10);
const ROOT = join(import.meta.dirname, '..');

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (i - lo);
}
const summary = (v: number[]) => ({
  n: v.length,
  medianMs: Math.round(quantile(v, 0.5)),
  p90Ms: Math.round(quantile(v, 0.9)),
  minMs: Math.round(Math.min(...v)),
  maxMs: Math.round(Math.max(...v)),
});

interface Size {
  minBytes: number;
  gzipBytes: number;
}
const sizeOfBytes = (b: Uint8Array): Size => ({
  minBytes: b.length,
  gzipBytes: gzipSync(b, { level: 9 }).length,
});

/** Minified + gzipped size of one entry bundled with esbuild (`external` left as imports). */
async function bundleSize(entry: string, external: string[]): Promise<Size | null> {
  if (!existsSync(join(ROOT, entry))) return null;
  const out = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    write: false,
    external,
    logLevel: 'silent',
  });
  // Without an outfile esbuild names its one output `<stdout>`.
  const file = out.outputFiles[0];
  return file ? sizeOfBytes(file.contents) : null;
}

async function bundleSizes(): Promise<Record<string, Size | null>> {
  const sizes: Record<string, Size | null> = {
    'core (esbuild, no mediasoup-client)': await bundleSize('client/sdk/index.ts', ['mediasoup-client']),
    'react entry (esbuild, no core, no react)': await bundleSize('client/react/index.ts', [
      'react',
      '../sdk/index.js',
      '*/sdk/index.js',
    ]),
    'one file (esbuild, everything)': await bundleSize('client/sdk/index.ts', []),
  };
  const dist = join(ROOT, 'client/dist');
  if (existsSync(dist)) {
    for (const f of readdirSync(dist).filter((n) => n.endsWith('.js'))) {
      sizes[`client/dist/${f}`] = sizeOfBytes(readFileSync(join(dist, f)));
    }
  }
  return sizes;
}

/** connect() → start() resolved, timed in the page, for one fresh session; hangs up after. */
async function timeOneSession(
  browser: Awaited<ReturnType<typeof launchBrowser>>,
  url: string,
): Promise<{ connectMs: number; startMs: number; totalMs: number }> {
  const sdk = await openSdkPage(browser.browser, url);
  try {
    return await sdk.page.evaluate(async () => {
      const { connect } = (globalThis as unknown as { __sdk: unknown }).__sdk as {
        connect: (o: Record<string, unknown>) => Promise<{
          start(o: Record<string, unknown>): Promise<void>;
          hangUp(): Promise<void>;
        }>;
      };
      const t0 = performance.now();
      const session = await connect({ url: location.origin, user: 'bench' });
      const t1 = performance.now();
      await session.start({ audio: true, video: false });
      const t2 = performance.now();
      await session.hangUp();
      return { connectMs: t1 - t0, startMs: t2 - t1, totalMs: t2 - t0 };
    });
  } finally {
    await sdk.close();
  }
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-client.mjs')], { stdio: 'inherit' });
  const server = await startTestServer();
  const proxy = await TcpProxy.start(server.url);
  const browser = await launchBrowser();
  try {
    // One warm-up session (Chromium's first WebRTC setup and the bundle's first parse are not the app's steady state).
    await timeOneSession(browser, server.url);
    const sessions: { connectMs: number; startMs: number; totalMs: number }[] = [];
    for (let i = 0; i < SESSIONS; i++) sessions.push(await timeOneSession(browser, server.url));

    const sdk = await openSdkPage(browser.browser, proxy.url);
    await sdk.connect({ auth: { kind: 'getToken', user: 'bench-reconnect' } });
    await sdk.start({ audio: true, video: false });
    const seenMs: number[] = [];
    const downMs: number[] = [];
    for (let i = 1; i <= CUTS; i++) {
      const t0 = performance.now();
      proxy.cutWebSockets();
      await sdk.page.waitForFunction(
        (n) =>
          (globalThis as unknown as { __sl: { events: { name: string }[] } }).__sl.events.filter(
            (e) => e.name === 'reconnected',
          ).length >= n,
        i,
        { polling: 5, timeout: 60_000 },
      );
      seenMs.push(performance.now() - t0);
      const last = (await sdk.events('reconnected')).at(-1)?.data as { downMs: number };
      downMs.push(last.downMs);
      // Let the resumed session settle before the next cut.
      await new Promise((r) => setTimeout(r, 500));
    }
    await sdk.must('hangUp');
    await sdk.close();

    const sizes = await bundleSizes();
    const result = {
      bench: 'sdk',
      connectToAudioReady: summary(sessions.map((s) => s.totalMs)),
      connectOnly: summary(sessions.map((s) => s.connectMs)),
      startOnly: summary(sessions.map((s) => s.startMs)),
      reconnectAfterWsCut: summary(seenMs),
      reconnectDownMsReportedBySdk: summary(downMs),
      bundles: sizes,
    };
    const row = (name: string, s: ReturnType<typeof summary>) =>
      `${name.padEnd(44)} ${String(s.n).padStart(3)} ${String(s.medianMs).padStart(7)} ${String(s.p90Ms).padStart(7)} ${String(s.minMs).padStart(7)} ${String(s.maxMs).padStart(7)}`;
    console.log(`\n${'timing (ms, loopback)'.padEnd(44)}   n  median     p90     min     max`);
    console.log(row('connect() → start() resolved (ICE + DTLS)', result.connectToAudioReady));
    console.log(row('  of which connect() (WebSocket + join)', result.connectOnly));
    console.log(row('  of which start() (devices, transports)', result.startOnly));
    console.log(row('WebSocket reset → reconnected (seen)', result.reconnectAfterWsCut));
    console.log(row('WebSocket reset → reconnected (SDK downMs)', result.reconnectDownMsReportedBySdk));
    console.log(`\n${'bundle'.padEnd(44)}    min KB  gzip KB`);
    for (const [name, s] of Object.entries(sizes)) {
      console.log(
        `${name.padEnd(44)} ${s ? (s.minBytes / 1024).toFixed(1).padStart(9) : '        –'} ${s ? (s.gzipBytes / 1024).toFixed(1).padStart(8) : '       –'}`,
      );
    }
    console.log(`\n${JSON.stringify(result)}`);
  } finally {
    await browser.close();
    await proxy.close();
    await server.close();
  }
}

await main();
