import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SightlineServer } from '../../server/app.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { colourY4m, spokenWav } from '../helpers/fixtures.js';
import { installScriptedMic } from '../helpers/scriptedMic.js';
import { startTestServer, waitFor } from '../helpers/server.js';
import { tinyModelSetDir } from '../helpers/tinyModels.js';

/*
 * The live assistant through a real call: real Chromium, real mediasoup, the
 * tiny random model set and espeak-ng. The page's microphone is a WebAudio track
 * the test makes speak when it chooses (so it can talk over the reply); the
 * camera is Chromium's fake device. Answers are noise (random weights): the test
 * checks what a person perceives — words shown, a reply heard, a reply that stops
 * when talked over — not what was said.
 */

const QUESTION = 'What can you see on my camera right now?';
const BARGE_IN = 'Wait, stop please. I have another question for you about this.';

type Events = Record<string, Record<string, unknown>[]>;

describe('the live assistant in a real browser call (tiny models, espeak-ng)', () => {
  let server: SightlineServer;
  let browser: TestBrowser;
  let page: Page;

  const events = (): Promise<Events> =>
    page.evaluate(() => (globalThis as unknown as { sightline: { events: Events } }).sightline.events);
  const say = (clip: string): Promise<number> =>
    page.evaluate(
      (url) => (globalThis as unknown as { __mic: { say(u: string): Promise<number> } }).__mic.say(url),
      `/__e2e/${clip}.wav`,
    );
  /** Clock times (page Date.now) at which the assistant's track carried sound. */
  const heardAt = (): Promise<number[]> =>
    page.evaluate(() => (globalThis as unknown as { __heard: number[] }).__heard);

  beforeAll(async () => {
    server = await startTestServer({
      SIGHTLINE_MODELS_DIR: tinyModelSetDir(),
      TTS_ENGINE: 'espeak',
      // Random answers are long noise: a few seconds of speech is enough to hear and to talk over.
      LLM_MAX_NEW_TOKENS: '48',
      VIDEO_FPS: '1',
    });
    browser = await launchBrowser({ videoY4m: colourY4m() });
    page = await browser.browser.newPage();
    page.on('pageerror', (e) => console.error('[page error]', e.message));
    const clips: Record<string, string> = { question: spokenWav(QUESTION), bargein: spokenWav(BARGE_IN) };
    await page.route('**/__e2e/*.wav', (route) => {
      const name = new URL(route.request().url()).pathname.split('/').pop()?.replace('.wav', '') ?? '';
      const path = clips[name];
      return path
        ? route.fulfill({ status: 200, contentType: 'audio/wav', body: readFileSync(path) })
        : route.fulfill({ status: 404 });
    });
    await page.addInitScript(installScriptedMic);
    await page.goto(`${server.url}/`);
    await page.click('#start');
    await page.waitForSelector('#state[data-state="listening"]', { timeout: 20_000 });
    // A meter on the assistant's voice as the page receives it.
    await page.evaluate(() => {
      const w = globalThis as unknown as {
        sightline: { assistantTrack: MediaStreamTrack };
        __heard: number[];
      };
      w.__heard = [];
      const ctx = new AudioContext();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 512;
      ctx.createMediaStreamSource(new MediaStream([w.sightline.assistantTrack])).connect(analyser);
      const buf = new Float32Array(analyser.fftSize);
      setInterval(() => {
        analyser.getFloatTimeDomainData(buf);
        let sum = 0;
        for (const v of buf) sum += v * v;
        if (Math.sqrt(sum / buf.length) > 0.01) w.__heard.push(Date.now());
      }, 10);
    });
  }, 120_000);

  afterAll(async () => {
    if (process.env.E2E_DUMP) {
      const e = await events().catch(() => ({}));
      const short = Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v.slice(-12)]));
      console.log(JSON.stringify(short, null, 1).slice(0, 12000));
    }
    await browser?.close();
    await server?.close();
  });

  it('shows that tiny random models are loaded', async () => {
    await page.waitForSelector('#tiny-banner:not([hidden])', { timeout: 10_000 });
  });

  it('hears the person, shows their words, answers aloud with metrics; talking over the reply stops it', async () => {
    await say('question');
    const final = await waitFor(
      async () =>
        (await events()).userTranscript?.find((t) => t.final === true && String(t.text).trim() !== ''),
      60_000,
      'a final transcript of the spoken question',
    );
    expect(final.endMs as number).toBeGreaterThan(final.startMs as number);
    // The moment the assistant starts to speak, the person talks over it. (Reply text comes
    // per spoken segment; the tiny model's noise is one long segment, so the state says it first.)
    await waitFor(
      async () => ((await events()).state as unknown as string[] | undefined)?.includes('speaking'),
      90_000,
      'the assistant speaking',
    );
    await waitFor(async () => (await heardAt()).length > 0, 10_000, 'the assistant heard in the page');
    await say('bargein');
    // The first reply's final event: the turn that was talked over.
    const cut = await waitFor(
      async () => (await events()).assistantText?.find((r) => r.final === true),
      15_000,
      'the final (cut) reply of the interrupted turn',
    );
    const turnId = cut.turnId as string;
    expect(cut.interrupted).toBe(true);
    // Reply events came in step with the voice before the cut.
    expect(
      (await events()).assistantText?.some((r) => r.turnId === turnId && (r.playedMs as number) > 0),
    ).toBe(true);
    const m = await waitFor(
      async () => (await events()).metrics?.find((x) => x.type === 'turn' && x.turnId === turnId),
      15_000,
      'the interrupted turn metrics',
    );
    expect(m).toMatchObject({ trigger: 'speech', interrupted: true });
    expect(m.voiceToVoiceMs as number).toBeGreaterThan(0);
    // All on one clock: the end of turn follows the end of speech by the silence setting and
    // processing, the final transcript follows the end of turn.
    expect(m.endOfTurnDelayMs as number).toBeGreaterThan(0);
    expect(m.endOfTurnDelayMs as number).toBeLessThan(10_000);
    expect(m.sttLatencyMs as number).toBeGreaterThanOrEqual(0);
    expect(m.sttLatencyMs as number).toBeLessThan(30_000);
  }, 240_000);

  it('answers a typed message (cutting a reply in progress) and a still image', async () => {
    const before = (await events()).metrics?.length ?? 0;
    await page.fill('#text', 'Please describe the room.');
    await page.press('#text', 'Enter');
    const typed = await waitFor(
      async () =>
        (await events()).metrics?.slice(before).find((m) => m.type === 'turn' && m.trigger === 'text'),
      120_000,
      'the typed turn answered',
    );
    const typedReply = (await events()).assistantText?.find(
      (r) => r.turnId === typed.turnId && r.final === true,
    );
    expect(typedReply).toBeTruthy();
    const png = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#c03030' } })
      .png()
      .toBuffer();
    await page.fill('#text', 'What colour is this picture?');
    await page.setInputFiles('#image', { name: 'red.png', mimeType: 'image/png', buffer: png });
    const image = await waitFor(
      async () => (await events()).metrics?.find((m) => m.type === 'turn' && m.trigger === 'image'),
      120_000,
      'the image turn answered',
    );
    expect((await events()).assistantText?.some((r) => r.turnId === image.turnId && r.final === true)).toBe(
      true,
    );
  }, 300_000);
});
