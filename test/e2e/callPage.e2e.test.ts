import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.js';
import type { LlmMessage } from '../../models/roles/llm.js';
import { FakeLlm, type FakeLlmReply } from '../../pipelines/testing/fakes/fakeLlm.js';
import { FakeStt } from '../../pipelines/testing/fakes/fakeStt.js';
import { FakeTts } from '../../pipelines/testing/fakes/fakeTts.js';
import { FakeVad } from '../../pipelines/testing/fakes/fakeVad.js';
import { SightlineServer } from '../../server/app.js';
import type { LoadedModelSet } from '../../server/assistant/modelSet.js';
import type { Call } from '../../server/call/call.js';
import { loadConfig } from '../../server/config.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { installScriptedMic } from '../helpers/scriptedMic.js';
import { NO_MODELS_DIR, waitFor } from '../helpers/server.js';

/*
 * The call page in a real Chromium against a real server whose assistant runs on
 * scripted models (energy VAD, fixed transcript, scripted LLM, a tone for speech):
 * what a person does on the page reaches the server, and what the assistant does
 * shows and sounds in the page.
 */

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const HEARD_TRANSCRIPT = 'what is on my desk';
/** A reply long enough (≈60 ms of tone a character) to be heard and interrupted. */
const LONG_REPLY =
  'I can see a desk with a mug, a laptop, a lamp and a small plant, and there is a notebook with a pen beside it.';

const lastUserText = (messages: LlmMessage[]): string => {
  const m = [...messages].reverse().find((x) => x.role === 'user');
  return (m?.content ?? []).map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join(' ');
};

/** The scripted LLM: calls the tool the person names, answers tool results, else speaks LONG_REPLY. */
function script(messages: LlmMessage[]): FakeLlmReply {
  const last = messages.at(-1);
  if (last?.role === 'tool') {
    const text = last.content[0]?.type === 'text' ? last.content[0].text : '';
    return `The tool said ${text}.`;
  }
  const said = lastUserText(messages);
  // The latest "use X" wins: a message sent while a reply is cut joins the person's previous words.
  const named = ['get_colour', 'broken', 'stuck']
    .map((tool) => ({ tool, at: said.lastIndexOf(`use ${tool}`) }))
    .filter((t) => t.at >= 0)
    .sort((a, b) => b.at - a.at)[0];
  if (named) return [{ toolCall: { name: named.tool, arguments: { lamp: 'desk' } } }];
  if (said.includes('[image]')) return 'A red picture.';
  if (said.includes('short')) return 'Sure.';
  return LONG_REPLY;
}

type PageEvents = Record<string, Record<string, unknown>[]>;

describe('the call page: a call a person can see, hear, type, paste, mute and drive by keyboard', () => {
  let server: SightlineServer;
  let browser: TestBrowser;
  let page: Page;
  let call: Call;
  const vad = new FakeVad();
  const llm = new FakeLlm({ reply: (messages) => script(messages) });
  const tts = new FakeTts();

  const events = (p: Page = page): Promise<PageEvents> =>
    p.evaluate(() => (globalThis as unknown as { sightline: { events: PageEvents } }).sightline.events);
  const level = (who: 'you' | 'assistant'): Promise<number> =>
    page.evaluate(
      (w) =>
        (globalThis as unknown as { sightline: { levels: Record<string, { peak: number }> } }).sightline
          .levels[w]?.peak ?? 0,
      who,
    );
  const state = (p: Page = page) => p.getAttribute('#state', 'data-state');
  const waitState = (s: string, p: Page = page, timeout = 20_000) =>
    p.waitForSelector(`#state[data-state="${s}"]`, { timeout });

  async function openPage(query = '?raw=1'): Promise<Page> {
    const p = await browser.browser.newPage();
    p.on('pageerror', (e) => console.error('[page error]', e.message));
    await p.addInitScript(installScriptedMic);
    await p.goto(`${server.url}/${query}`);
    return p;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      MEDIASOUP_WORKERS: '1',
      LOG_LEVEL: (process.env.TEST_LOG_LEVEL as string) ?? 'error',
      SIGHTLINE_MODELS_DIR: NO_MODELS_DIR,
    });
    const models: LoadedModelSet = {
      models: {
        vad,
        stt: new FakeStt({ transcript: HEARD_TRANSCRIPT }),
        llm,
        tts,
        turn: null,
        ocr: null,
        vision: null,
      },
      status: {
        ready: true,
        loaded: { llm: 'fake-llm' },
        missing: [],
        fetchCommand: null,
        tinyTestModels: false,
      },
      textImage: null,
      loadErrors: {},
      dispose: async () => undefined,
    };
    server = await SightlineServer.create(config, {
      log: createLogger({ level: config.log.level }),
      models,
      createEchoGuard: () => null,
    });
    browser = await launchBrowser();
    page = await openPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('starts a call: the state indicator, the camera preview and the level meter of the microphone', async () => {
    expect(await state()).toBe('idle');
    const callPromise = new Promise<Call>((resolve) => server.calls.once('call', resolve));
    await page.click('#start');
    call = await callPromise;
    await waitState('listening');
    expect(await page.textContent('#state')).toBe('Listening');
    expect(await page.getAttribute('#state', 'role')).toBe('status');
    const preview = await page.$eval('#preview', (v) => {
      const s = (v as HTMLVideoElement).srcObject as MediaStream | null;
      return { video: s?.getVideoTracks().length ?? 0, live: s?.getVideoTracks()[0]?.readyState };
    });
    expect(preview).toEqual({ video: 1, live: 'live' });
    await page.evaluate(() =>
      (globalThis as unknown as { __mic: { tone(ms: number): void } }).__mic.tone(300),
    );
    await waitFor(async () => (await level('you')) > 0.05, 5000, 'the microphone meter moving');
  });

  it("shows the person's words and the assistant's, hears its audio, and the interrupt button cuts it", async () => {
    await page.evaluate(() =>
      (globalThis as unknown as { __mic: { tone(ms: number): void } }).__mic.tone(900),
    );
    await page.waitForSelector('#transcript li.user .text.final', { timeout: 20_000 });
    expect(await page.textContent('#transcript li.user .text.final')).toBe(HEARD_TRANSCRIPT);
    await waitState('speaking');
    await page.waitForSelector('#transcript li.assistant .text:not(:empty)');
    await waitFor(async () => (await level('assistant')) > 0.02, 10_000, 'the assistant heard in the page');
    await page.waitForSelector('#interrupt:not([disabled])');
    await page.click('#interrupt');
    const cut = await waitFor(
      async () => (await events()).assistantText?.find((r) => r.final === true && r.interrupted === true),
      10_000,
      'the interrupted reply',
    );
    expect(String(cut.text).length).toBeLessThan(LONG_REPLY.length);
    await page.waitForSelector(`#transcript li[data-turn-id="${cut.turnId}"] .cut`);
    expect(await page.textContent(`#transcript li[data-turn-id="${cut.turnId}"] .text`)).toBe(cut.text);
    await waitState('listening');
    // The turn's figures: a row in the table.
    await page.waitForSelector(`#turn-metrics tr[data-turn-id="${cut.turnId}"]`);
  }, 60_000);

  it('sends a typed message with Enter and shows the answer', async () => {
    const before = llm.requests.length;
    await page.fill('#text', 'a short question please');
    await page.press('#text', 'Enter');
    await waitFor(
      () =>
        llm.requests.slice(before).some((r) => lastUserText(r.messages).includes('a short question please')),
      10_000,
      'the typed message at the LLM',
    );
    expect(await page.inputValue('#text')).toBe('');
    expect(await page.locator('#transcript .typed').last().textContent()).toBe('a short question please');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#transcript li.assistant .text')].some((e) => e.textContent === 'Sure.'),
    );
    // Voice to voice per turn in the chart: one bar for each turn that has the figure (read in
    // one look at the page, so a turn's metrics landing between two reads cannot split them).
    await waitFor(
      () =>
        page.evaluate(() => {
          const all = (globalThis as unknown as { sightline: { events: PageEvents } }).sightline.events;
          const timed = (all.metrics ?? []).filter((x) => x.voiceToVoiceMs !== null).slice(-12);
          const bars = [...document.querySelectorAll<SVGRectElement>('#v2v-chart rect')];
          return (
            timed.length > 0 &&
            bars.length === timed.length &&
            bars.every((b, i) => b.dataset.turnId === timed[i]?.turnId)
          );
        }),
      10_000,
      'one bar per turn with a voice-to-voice figure, in order',
    );
    expect(await page.getAttribute('#v2v-chart', 'aria-label')).toMatch(/last \d+ ms, median \d+ ms/);
  });

  it('sends a pasted image (a ClipboardEvent with a PNG) with the text box as its question', async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const before = llm.requests.length;
    await page.fill('#text', 'what colour is this?');
    await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'red.png', { type: 'image/png' }));
      document
        .getElementById('text')
        ?.dispatchEvent(
          new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
        );
    }, png.toString('base64'));
    const request = await waitFor(
      () => llm.requests.slice(before).find((r) => lastUserText(r.messages).includes('[image]')),
      10_000,
      'the pasted image at the LLM',
    );
    expect(lastUserText(request.messages)).toContain('what colour is this?');
    const thumb = page.locator('#transcript li.user img').last();
    expect(await thumb.getAttribute('alt')).toContain('red.png');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#transcript li.assistant .text')].some(
        (e) => e.textContent === 'A red picture.',
      ),
    );
  });

  it('sends an image dropped on the conversation (a drop DragEvent with a file)', async () => {
    const png = await sharp({ create: { width: 48, height: 64, channels: 3, background: '#0000ff' } })
      .png()
      .toBuffer();
    const before = llm.requests.length;
    await page.fill('#text', 'and this one?');
    await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'blue.png', { type: 'image/png' }));
      const zone = document.getElementById('conversation');
      zone?.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      zone?.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, png.toString('base64'));
    const request = await waitFor(
      () => llm.requests.slice(before).find((r) => lastUserText(r.messages).includes('[image]')),
      10_000,
      'the dropped image at the LLM',
    );
    expect(lastUserText(request.messages)).toContain('and this one?');
    expect(await page.locator('#transcript li.user img').last().getAttribute('alt')).toContain('blue.png');
    expect(await page.locator('#conversation.dropping').count()).toBe(0);
  });

  it("answers the assistant's tool calls with the page's tools: a result, a throw and a timeout, each shown", async () => {
    await page.evaluate(async () => {
      const s = (
        globalThis as unknown as {
          sightline: {
            session: {
              registerTool(
                n: string,
                p: unknown,
                h: (a: Record<string, unknown>) => unknown,
                o: unknown,
              ): Promise<void>;
            };
          };
        }
      ).sightline.session;
      const params = { type: 'object', properties: { lamp: { type: 'string' } } };
      await s.registerTool('get_colour', params, (a) => ({ lamp: a.lamp, colour: 'amber' }), {
        description: 'The colour of a lamp.',
      });
      await s.registerTool(
        'broken',
        params,
        () => {
          throw new Error('the lamp is unplugged');
        },
        { description: 'Always fails.' },
      );
      await s.registerTool('stuck', params, () => new Promise(() => undefined), {
        description: 'Never answers.',
        timeoutMs: 1500,
      });
    });
    const said = async (text: string) => {
      await page.fill('#text', text);
      await page.press('#text', 'Enter');
    };
    await said('use get_colour');
    await page.waitForSelector('#transcript li.tool[data-outcome="ok"]', { timeout: 10_000 });
    expect(await page.textContent('#transcript li.tool[data-outcome="ok"] .text')).toContain('amber');
    // The result reached the dialog: the model was given it, and its answer quotes it.
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#transcript li.assistant .text')].some((e) =>
        e.textContent?.includes('amber'),
      ),
    );
    await said('use broken');
    await page.waitForSelector('#transcript li.tool[data-outcome="ERR_TOOL_FAILED"]', { timeout: 10_000 });
    expect(await page.textContent('#transcript li.tool[data-outcome="ERR_TOOL_FAILED"] .text')).toContain(
      'the lamp is unplugged',
    );
    await said('use stuck');
    // The server gives a client tool 10 s; then the turn goes on: allow both.
    await page
      .waitForSelector('#transcript li.tool[data-outcome="ERR_TOOL_TIMEOUT"]', { timeout: 30_000 })
      .catch(async (error: unknown) => {
        const seen = await page.evaluate(() =>
          JSON.stringify((globalThis as unknown as { sightline: { events: unknown } }).sightline.events),
        );
        const tools = await page.evaluate(() =>
          [...document.querySelectorAll('#transcript li')].map((li) => li.outerHTML).slice(-6),
        );
        throw new Error(
          `${String(error)}\nevents: ${seen.slice(0, 3000)}\nlast entries: ${tools.join('\n')}`,
        );
      });
    expect(await page.textContent('#transcript li.tool[data-outcome="ERR_TOOL_TIMEOUT"] .text')).toContain(
      'timed out',
    );
    const results = llm.requests
      .flatMap((r) => r.messages)
      .filter((m) => m.role === 'tool')
      .map((m) => (m.content[0]?.type === 'text' ? m.content[0].text : ''));
    expect(results.some((t) => t.includes('amber'))).toBe(true);
    expect(results.some((t) => t.includes('the lamp is unplugged'))).toBe(true);
  }, 60_000);

  it('mute stops the microphone reaching the server, unmute brings it back', async () => {
    // Audio frames the call's tap puts out: RTP that reached the server (the listener's VAD keeps
    // running on idle fill while muted, so it is not the measure).
    const framesOut = () => server.calls.all().reduce((n, c) => n + (c.audioTap?.stats.framesOut ?? 0), 0);
    const grows = async (ms: number) => {
      const n = framesOut();
      await new Promise((r) => setTimeout(r, ms));
      return framesOut() - n;
    };
    expect(await grows(1000)).toBeGreaterThan(0);
    await page.click('#mute-mic');
    await page.waitForSelector('#mute-mic[aria-pressed="true"]');
    expect(await page.textContent('#mute-mic')).toBe('Unmute microphone');
    await grows(500); // what was in flight
    expect(await grows(1500)).toBe(0);
    await page.click('#mute-mic');
    await page.waitForSelector('#mute-mic[aria-pressed="false"]');
    await waitFor(async () => (await grows(300)) > 0, 5000, 'audio reaching the server again');
  });

  it('saves screenshots at desktop and phone widths; nothing overflows at 375 px', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: join(ARTIFACTS, 'call-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(overflow).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(ARTIFACTS, 'call-phone.png'), fullPage: true });
    // Every control is still visible and at least 40 px tall (a finger's target).
    for (const id of ['hangup', 'mute-mic', 'mute-camera', 'share-screen', 'send', 'image-button']) {
      const box = await page.locator(`#${id}`).boundingBox();
      expect(box?.height, id).toBeGreaterThanOrEqual(40);
      expect((box?.x ?? -1) + (box?.width ?? 0), id).toBeLessThanOrEqual(375);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('hangs up: the call ends on the server and the page can start again', async () => {
    await page.click('#hangup');
    await waitState('closed');
    await waitFor(() => call.closed, 5000, 'the call closed on the server');
    expect(await page.isEnabled('#start')).toBe(true);
    expect(await page.isDisabled('#text')).toBe(true);
  });

  it('is usable by keyboard alone: Tab and Shift+Tab reach every control, Enter and Space work them', async () => {
    const kb = await openPage('?raw=1');
    const focused = () =>
      kb.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || '');
    const visits: string[] = [];
    const tabUntil = async (id: string, key = 'Tab') => {
      for (let i = 0; i < 40; i++) {
        await kb.keyboard.press(key);
        const f = await focused();
        visits.push(f);
        if (f === id) return;
      }
      throw new Error(`${key} never reached #${id}; visited ${visits.join(' ')}`);
    };
    // Before the call: push-to-talk on (Space on the checkbox), then Enter on Start.
    await tabUntil('ptt');
    await kb.keyboard.press('Space');
    expect(await kb.isChecked('#ptt')).toBe(true);
    await tabUntil('start', 'Shift+Tab');
    const outline = await kb.$eval('#start', (e) => getComputedStyle(e).outlineStyle);
    expect(outline).not.toBe('none');
    await kb.keyboard.press('Enter');
    await waitState('listening', kb);
    // In the call: every control, in order.
    const controls = [
      'hangup',
      'timeline-link',
      'mute-mic',
      'mute-camera',
      'share-screen',
      'talk',
      'mic-pick',
      'camera-pick',
      'text',
      'send',
      'image-button',
      'video-pick',
    ];
    visits.length = 0;
    for (const id of controls) await tabUntil(id);
    for (const id of controls) expect(visits, id).toContain(id);
    expect(visits.indexOf('mute-mic')).toBeLessThan(visits.indexOf('text'));
    // Space on the focused mute button mutes; Shift+Tab goes back to it.
    await tabUntil('mute-mic', 'Shift+Tab');
    await kb.keyboard.press('Space');
    await kb.waitForSelector('#mute-mic[aria-pressed="true"]');
    // Holding Space on the talk button presses it, releasing lets go.
    await tabUntil('talk');
    await kb.keyboard.down(' ');
    await kb.waitForSelector('#talk[aria-pressed="true"]');
    await kb.keyboard.up(' ');
    await kb.waitForSelector('#talk[aria-pressed="false"]');
    // Enter in the text box sends.
    await tabUntil('text');
    await kb.keyboard.type('a short one by keyboard');
    await kb.keyboard.press('Enter');
    await kb.waitForSelector('#transcript .typed');
    expect(await kb.textContent('#transcript .typed')).toBe('a short one by keyboard');
    await tabUntil('hangup', 'Shift+Tab');
    await kb.keyboard.press('Enter');
    await waitState('closed', kb);
    await kb.close();
  }, 60_000);

  it('labels every control for a screen reader', async () => {
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('button, select, input:not([type="file"]), meter, video, a')]
        .filter((e) => {
          const el = e as HTMLElement & { labels?: NodeListOf<HTMLLabelElement> };
          const named =
            (el.getAttribute('aria-label') ?? '').trim() ||
            (el.textContent ?? '').trim() ||
            [...(el.labels ?? [])].some((l) => (l.textContent ?? '').trim());
          return !named;
        })
        .map((e) => e.id || e.tagName),
    );
    expect(unlabelled).toEqual([]);
    expect(await page.getAttribute('#transcript', 'aria-live')).toBe('polite');
  });
});
