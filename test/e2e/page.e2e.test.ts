import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelsStatus, ServerEventMap, TurnMetrics } from '../../protocol/messages.js';
import type { SightlineServer } from '../../server/app.js';
import type { Call } from '../../server/call/call.js';
import { launchBrowser, startCall, type TestBrowser } from '../helpers/browser.js';
import { RecordingAssistant } from '../helpers/recordingAssistant.js';
import { startTestServer, waitFor } from '../helpers/server.js';

const MISSING: ModelsStatus = {
  ready: false,
  loaded: { vad: 'silero-vad' },
  missing: ['whisper-base/encoder_model.onnx', 'smolvlm2-256m/decoder_model_merged.onnx'],
  fetchCommand: 'npx sightline models pull',
  tinyTestModels: false,
};

/**
 * The page and the SDK in a real browser against a real server whose call has a
 * recording AssistantPort: the server's assistant events show in the page as a
 * person sees them, and what the person types, picks or registers reaches the assistant.
 */
// The state indicator, client tools and the event record of the Session-based page are covered by
// test/e2e/callPage.e2e.test.ts (labelled #state, tools that answer, throw and time out).
describe('the page shows the conversation and drives the assistant', () => {
  let server: SightlineServer;
  let browser: TestBrowser;
  let page: Page;
  let call: Call;
  const fake = new RecordingAssistant();

  /** Pushes a server event to the page, as the assistant's wiring does. */
  function push<E extends keyof ServerEventMap>(event: E, data: ServerEventMap[E]): void {
    (call.emit as (name: 'push', e: E, d: ServerEventMap[E]) => boolean)('push', event, data);
  }

  const text = (selector: string) => page.locator(selector).textContent();

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    const callPromise = new Promise<Call>((resolve) => server.calls.once('call', resolve));
    page = await startCall(browser.browser, server.url);
    call = await callPromise;
    call.assistant = fake;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows the person's partial words lighter, then replaces them with the final", async () => {
    const u = { utteranceId: 'u1', startMs: 1000 };
    push('transcript', { ...u, text: 'what is', final: false, endMs: 1500 });
    const entry = page.locator('#transcript li[data-utterance-id="u1"] .text');
    await page.waitForFunction(
      () => document.querySelector('[data-utterance-id="u1"] .text')?.textContent === 'what is',
    );
    expect(await entry.getAttribute('class')).toContain('partial');
    expect(await entry.evaluate((e) => getComputedStyle(e).fontStyle)).toBe('italic');
    push('transcript', { ...u, text: 'what is on my desk', final: false, endMs: 2000 });
    push('transcript', { ...u, text: 'What is on my desk?', final: true, endMs: 2200 });
    await page.waitForFunction(() =>
      document.querySelector('[data-utterance-id="u1"] .text')?.classList.contains('final'),
    );
    expect(await entry.textContent()).toBe('What is on my desk?');
    expect(await entry.getAttribute('class')).not.toContain('partial');
    expect(await entry.evaluate((e) => getComputedStyle(e).fontStyle)).toBe('normal');
    expect(await page.locator('#transcript li[data-utterance-id="u1"]').count()).toBe(1);
    expect(await page.getAttribute('#transcript', 'aria-live')).toBe('polite');
  });

  it("shows the assistant's words as spoken, cut and marked where interrupted", async () => {
    const r = { turnId: 't1', final: false, interrupted: false };
    push('reply', { ...r, text: 'I see a mug', playedMs: 900 });
    push('reply', { ...r, text: 'I see a mug and a laptop.', playedMs: 2100 });
    push('reply', { ...r, text: 'I see a mug and a laptop. The mug', playedMs: 2600 });
    push('reply', {
      ...r,
      text: 'I see a mug and a laptop. The mug',
      playedMs: 2700,
      final: true,
      interrupted: true,
    });
    const entry = page.locator('#transcript li[data-turn-id="t1"]');
    await page.waitForSelector('#transcript li[data-turn-id="t1"] .cut');
    expect(await entry.locator('.text').textContent()).toBe('I see a mug and a laptop. The mug');
    expect(await entry.locator('.cut').textContent()).toContain('interrupted');
    expect(await entry.count()).toBe(1);
    // A turn that ends normally has no mark.
    push('reply', { turnId: 't2', text: 'Sure.', final: true, playedMs: 500, interrupted: false });
    await page.waitForSelector('#transcript li[data-turn-id="t2"]');
    expect(await page.locator('#transcript li[data-turn-id="t2"] .cut').count()).toBe(0);
  });

  it('shows the models banner with the missing files and a copyable command, and a loud one for test models', async () => {
    // This test server loads no models: the `models` event sent on join already shows the banner.
    await page.waitForSelector('#models-banner', { state: 'visible' });
    push('models', MISSING);
    await page.waitForSelector('#models-banner', { state: 'visible' });
    expect(await page.locator('#models-missing li').allInnerTexts()).toEqual(MISSING.missing);
    expect(await text('#fetch-command')).toBe('npx sightline models pull');
    expect(await page.isHidden('#tiny-banner')).toBe(true);
    push('models', {
      ready: true,
      loaded: { llm: 'tiny' },
      missing: [],
      fetchCommand: null,
      tinyTestModels: true,
    });
    await page.waitForSelector('#tiny-banner', { state: 'visible' });
    expect(await page.isHidden('#models-banner')).toBe(true);
    expect(await text('#tiny-banner')).toContain('Random test models');
  });

  it('shows the models banner from /readyz before any call', async () => {
    const fresh = await browser.browser.newPage();
    await fresh.route('**/readyz', (route) =>
      route.fulfill({ status: 503, json: { status: 'not ready', workersAlive: 1, models: MISSING } }),
    );
    await fresh.goto(`${server.url}/`);
    await fresh.waitForSelector('#models-banner', { state: 'visible' });
    expect(await fresh.locator('#models-missing li').count()).toBe(2);
    expect(await fresh.textContent('#fetch-command')).toBe('npx sightline models pull');
    await fresh.close();
  });

  it("lists each turn's figures in the metrics panel", async () => {
    const m: TurnMetrics = {
      type: 'turn',
      turnId: 't1',
      trigger: 'speech',
      endOfTurnDelayMs: 512,
      sttLatencyMs: 81,
      llmTtftMs: 44,
      ttsTtfbMs: 63,
      voiceToVoiceMs: 734,
      interrupted: true,
      tokensIn: 310,
      tokensOut: 12,
      visualTokensKept: 128,
      visualTokensMerged: 384,
    };
    push('metrics', m);
    push('metrics', {
      ...m,
      turnId: 't2',
      trigger: 'text',
      sttLatencyMs: null,
      endOfTurnDelayMs: null,
      interrupted: false,
    });
    await page.waitForSelector('#turn-metrics tbody tr[data-turn-id="t2"]');
    const rows = await page
      .locator('#turn-metrics tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows[0]).toEqual(['text', '734', '–', '–', '44', '63', '310/12', '128/384']);
    expect(rows[1]).toEqual(['speech ✂', '734', '512', '81', '44', '63', '310/12', '128/384']);
  });

  it('sends a typed message with Enter', async () => {
    await page.fill('#text', 'read the sign please');
    await page.press('#text', 'Enter');
    await waitFor(() => fake.texts.length === 1, 5000, 'the typed message');
    expect(fake.texts).toEqual(['read the sign please']);
    expect(await page.inputValue('#text')).toBe('');
    expect(await page.locator('#transcript li.user .typed').last().textContent()).toBe(
      'read the sign please',
    );
  });

  it('sends a picked image at full size, with the text box as its question, and shows a thumbnail', async () => {
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    await page.fill('#text', 'what colour is this?');
    await page.setInputFiles('#image', { name: 'red.png', mimeType: 'image/png', buffer: png });
    await waitFor(() => fake.images.length === 1, 5000, 'the image');
    const { image, text: question } = fake.images[0] as (typeof fake.images)[number];
    expect([image.width, image.height, question]).toEqual([300, 200, 'what colour is this?']);
    expect([...image.rgb.subarray(0, 3)]).toEqual([255, 0, 0]);
    const thumb = page.locator('#transcript li.user img').last();
    expect(await thumb.getAttribute('alt')).toContain('red.png');
    expect(await thumb.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(300);
    // A GIF is refused in the page, before anything is sent.
    await page.setInputFiles('#image', {
      name: 'a.gif',
      mimeType: 'image/gif',
      buffer: Buffer.from('GIF89a'),
    });
    await page.waitForFunction(() =>
      document.getElementById('log')?.textContent?.includes('ERR_IMAGE_FORMAT'),
    );
    expect(fake.images).toHaveLength(1);
  });

  it("shows an answer's cited video moments as links into the timeline page", async () => {
    push('video_answer', {
      turnId: 'turn-9',
      videoId: 'vid 1',
      kind: 'time',
      citations: [
        { tMs: 30_000, label: '00:30' },
        { tMs: 65_500, label: '01:05' },
      ],
      evidence: { frames: [], transcript: [], ocr: [] },
      moments: [],
    });
    await page.waitForSelector('#video-answers a');
    const links = await page
      .locator('#video-answers a')
      .evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute('href')]));
    expect(links).toEqual([
      ['00:30', '/timeline?video=vid%201&t=30'],
      ['01:05', '/timeline?video=vid%201&t=65'],
    ]);
    expect(await page.getAttribute('a[href="/timeline"]', 'href')).toBe('/timeline');
  });
});
