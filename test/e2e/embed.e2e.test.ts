import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SightlineServer } from '../../server/app.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { installTarball, serveStatic, writeScratchApps } from '../helpers/embedApp.js';
import { spokenWav } from '../helpers/fixtures.js';
import { installScriptedMic } from '../helpers/scriptedMic.js';
import { startTestServer, waitFor } from '../helpers/server.js';
import { tinyModelSetDir } from '../helpers/tinyModels.js';

/*
 * Embedding as a developer would: the SDK is packed with `npm pack`, installed into a scratch app
 * outside the repository, built by Vite (and, separately, loaded by a plain HTML page through an
 * import map and the one-file bundle), served from the developer's own origin, and pointed at a
 * real Sightline server (tiny random models, espeak-ng) with a token the test's "backend" asked
 * for. A call from each: the person's words come back as transcripts, the assistant's as text in
 * step with its voice, and an AnalyserNode in the page hears that voice.
 */

const ROOT = process.cwd();
const QUESTION = 'What can you see on my camera right now?';

interface EmbedState {
  states: string[];
  transcripts: { text: string; final: boolean }[];
  replies: { turnId: string; text: string; final: boolean; playedMs: number }[];
  errors: string[];
  heardFrames: number;
  ready: boolean;
  failure: string;
}

describe('the SDK embedded in an app from its npm tarball', () => {
  let scratch: string;
  let tarball: string;
  let sightline: SightlineServer;
  let app: { url: string; server: Server };
  let browser: TestBrowser;

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-sdk.mjs'], { cwd: ROOT, stdio: 'inherit' });
    scratch = mkdtempSync(join(tmpdir(), 'sightline-embed-'));
    const packed = JSON.parse(
      execFileSync(
        'npm',
        ['pack', '--workspace', 'client', '--pack-destination', scratch, '--json', '--ignore-scripts'],
        { cwd: ROOT, encoding: 'utf8' },
      ),
    ) as { filename: string; files: { path: string }[] }[];
    tarball = join(scratch, packed[0]?.filename ?? '');
    await installTarball(tarball, scratch, ROOT);
    await writeScratchApps(scratch);
    await build({
      root: join(scratch, 'vite'),
      configFile: false,
      base: './',
      logLevel: 'warn',
      // What @vitejs/plugin-react sets for .tsx (the automatic JSX runtime), without the plugin.
      esbuild: { jsx: 'automatic' },
      build: {
        outDir: join(scratch, 'vite/dist'),
        emptyOutDir: true,
        rollupOptions: { input: [join(scratch, 'vite/index.html'), join(scratch, 'vite/react.html')] },
      },
    });
    app = await serveStatic(scratch);
    sightline = await startTestServer({
      SIGHTLINE_MODELS_DIR: tinyModelSetDir(),
      TTS_ENGINE: 'espeak',
      LLM_MAX_NEW_TOKENS: '48',
    });
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sightline?.close();
    app?.server.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('packs the built files, the declarations and the README, and no sources', () => {
    const listing = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const f of [
      'package/package.json',
      'package/README.md',
      'package/dist/index.js',
      'package/dist/react.js',
      'package/dist/sightline.bundle.js',
      'package/dist/types/client/sdk/index.d.ts',
      'package/dist/types/client/react/index.d.ts',
    ]) {
      expect(listing).toContain(f);
    }
    expect(listing.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const pkg = JSON.parse(
      readFileSync(join(scratch, 'node_modules/@sightline/client/package.json'), 'utf8'),
    );
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual(['mediasoup-client', 'tus-js-client']);
  });

  it("type-checks the app's code against the installed package's declarations", () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    // Throws with tsc's report when the package's types do not describe what the app calls.
    execFileSync(process.execPath, [tsc, '-p', join(scratch, 'vite/tsconfig.json')], { encoding: 'utf8' });
  }, 120_000);

  /** A page of the scratch app with a scripted microphone and a fresh token from the app's "backend". */
  async function openScratch(path: string): Promise<Page> {
    const token = (
      (await (await fetch(`${sightline.url}/api/token`, { method: 'POST' })).json()) as { token: string }
    ).token;
    const page: Page = await browser.browser.newPage();
    page.on('pageerror', (e) => console.error('[embed page error]', e.message));
    const question = readFileSync(spokenWav(QUESTION));
    await page.route('**/__e2e/question.wav', (route) =>
      route.fulfill({ status: 200, contentType: 'audio/wav', body: question }),
    );
    await page.addInitScript(installScriptedMic);
    const query = new URLSearchParams({ url: sightline.url, token });
    await page.goto(`${app.url}/${path}?${query}`);
    return page;
  }

  const sayQuestion = (page: Page): Promise<number> =>
    page.evaluate(
      (url) => (globalThis as unknown as { __mic: { say(u: string): Promise<number> } }).__mic.say(url),
      `${app.url}/__e2e/question.wav`,
    );

  /** Opens one of the scratch pages, speaks the question into its microphone, and waits for the answer. */
  async function callFrom(path: string): Promise<EmbedState> {
    const page = await openScratch(path);
    try {
      const embed = () => page.evaluate(() => (globalThis as unknown as { embed: EmbedState }).embed);
      await waitFor(
        async () => {
          const e = await embed();
          if (e?.failure) throw new Error(`the app failed: ${e.failure}`);
          return e?.ready;
        },
        30_000,
        'the call started (audio path ready)',
      );
      await sayQuestion(page);
      await waitFor(
        async () => (await embed()).transcripts.some((t) => t.final && t.text.trim() !== ''),
        90_000,
        'a final transcript of the spoken question',
      );
      await waitFor(
        async () => (await embed()).replies.some((r) => r.text.trim() !== '' && r.playedMs > 0),
        120_000,
        'assistant text in step with its voice',
      );
      await waitFor(
        async () => (await embed()).heardFrames > 0,
        30_000,
        "the assistant's voice heard in the page",
      );
      return await embed();
    } finally {
      await page.close();
    }
  }

  it('runs a call from the Vite-built app', async () => {
    const state = await callFrom('vite/dist/index.html');
    expect(state.errors).toEqual([]);
    expect(state.states).toContain('listening');
  }, 300_000);

  it('runs a call from a plain HTML page with <script type="module"> and the one-file bundle', async () => {
    const state = await callFrom('plain/index.html');
    expect(state.errors).toEqual([]);
    expect(state.states).toContain('listening');
  }, 300_000);

  it('renders a call with useAssistant in a React app (StrictMode); unmounting hangs up', async () => {
    const page = await openScratch('vite/dist/react.html');
    try {
      const text = (selector: string) =>
        page
          .locator(selector)
          .first()
          .textContent()
          .then((t) => t ?? '');
      await waitFor(async () => (await text('#state')) === 'listening', 30_000, 'the hook shows "listening"');
      // StrictMode mounted, unmounted and mounted the hook: one call on the server, not two.
      await waitFor(async () => sightline.calls.size === 1, 10_000, 'exactly one call on the server');
      await sayQuestion(page);
      await waitFor(
        async () => (await page.locator('#you li[data-final="true"]').count()) > 0,
        90_000,
        'the final transcript rendered',
      );
      expect((await text('#you li[data-final="true"]')).trim()).not.toBe('');
      await waitFor(
        async () => (await text('#reply')).trim() !== '',
        120_000,
        "the assistant's words rendered",
      );
      expect(await text('#error')).toBe('');
      await page.click('#leave');
      await page.waitForSelector('#left');
      await waitFor(
        async () => sightline.calls.size === 0,
        15_000,
        'the call closed on the server after unmount',
      );
    } finally {
      await page.close();
    }
  }, 300_000);
});
