import {
  type ModelsStatus,
  SightlineClient,
  type SightlineClientEvents,
  type SightlineClientOptions,
  SightlineError,
  type VideoSendOptions,
} from '../sdk/index.js';
import { sessionToken } from '../timeline/session.js';
import { copyFetchCommand, showAssistantState, showModels, showTurnMetrics } from './panels.js';
import { TranscriptView } from './transcript.js';
import { VideoPicker } from './videoPicker.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const startBtn = $<HTMLButtonElement>('start');
const hangupBtn = $<HTMLButtonElement>('hangup');
const stateEl = $('state');
const assistantStateEl = $('assistant-state');
const logEl = $('log');
const preview = $<HTMLVideoElement>('preview');
const composer = $<HTMLFormElement>('composer');
const textInput = $<HTMLInputElement>('text');
const sendBtn = $<HTMLButtonElement>('send');
const imageInput = $<HTMLInputElement>('image');
const imageLabel = $('image-label');
const metricsBody = $<HTMLTableElement>('turn-metrics').tBodies[0] as HTMLTableSectionElement;
const transcript = new TranscriptView($<HTMLOListElement>('transcript'));

const params = new URLSearchParams(location.search);
// ?raw=1 turns off the browser's echo cancellation and noise suppression (for measurements).
const raw = params.get('raw') === '1';

/** Measurement knobs for the camera's send settings (?vStartKbps=0 is the browser's own start). */
function videoSendFromQuery(): VideoSendOptions {
  const num = (k: string) => (params.has(k) ? Number(params.get(k)) : undefined);
  const keep = params.get('vKeepRes');
  return {
    ...(num('vStartKbps') !== undefined ? { startBitrateKbps: num('vStartKbps') } : {}),
    ...(num('vMaxKbps') !== undefined ? { maxBitrateKbps: num('vMaxKbps') } : {}),
    ...(keep !== null ? { maintainResolution: keep === '1' } : {}),
  };
}

const LOG_LINES = 500;
function log(line: string): void {
  const t = new Date().toISOString().slice(11, 23);
  logEl.textContent = `${(logEl.textContent ?? '').split('\n').slice(-LOG_LINES).join('\n')}${t} ${line}\n`;
  logEl.scrollTop = logEl.scrollHeight;
}

// The token is fetched at start, for this browser's remembered user (the owner of its uploaded videos).
const clientOptions: SightlineClientOptions = { video: videoSendFromQuery() };
const client = new SightlineClient(clientOptions);
const picker = new VideoPicker(
  $<HTMLSelectElement>('video-pick'),
  $<HTMLOListElement>('video-answers'),
  client,
  () => clientOptions.token ?? null,
  log,
);

/** Every event the page received, newest last (the last EVENTS_KEPT of each), for tests and debugging. */
const EVENTS_KEPT = 500;
type Recorded = { [E in keyof SightlineClientEvents]: SightlineClientEvents[E][0][] };
const events: Recorded = {
  state: [],
  assistant_state: [],
  transcript: [],
  reply: [],
  tool_call: [],
  models: [],
  metrics: [],
  error: [],
  assistantTrack: [],
  video_answer: [],
  video_progress: [],
};
for (const name of Object.keys(events) as (keyof Recorded)[]) {
  client.on(name, (data: unknown) => {
    const list = events[name] as unknown[];
    list.push(data);
    if (list.length > EVENTS_KEPT) list.shift();
  });
}
/*
 * `window.sightline` is the client itself (older tests call `sightline.on(…)`), with
 * `client` and `events` added so a test reads `sightline.events.reply`.
 */
(globalThis as { sightline?: unknown }).sightline = Object.assign(client, { client, events });

function setComposerEnabled(on: boolean): void {
  textInput.disabled = sendBtn.disabled = imageInput.disabled = !on;
  imageLabel.setAttribute('aria-disabled', String(!on));
}

client.on('state', (s) => {
  stateEl.textContent = s;
  log(`state: ${s}`);
  const live = s !== 'idle' && s !== 'closed';
  startBtn.disabled = live;
  hangupBtn.disabled = !live;
  setComposerEnabled(live && s !== 'connecting');
  picker.setEnabled(s === 'joined' || s === 'media-connected');
  if (s === 'joined') void picker.refresh();
  if (!live) showAssistantState(assistantStateEl, 'idle');
});
client.on('assistant_state', (a) => showAssistantState(assistantStateEl, a.state));
client.on('transcript', (t) => transcript.transcript(t));
client.on('reply', (r) => transcript.reply(r));
client.on('models', (m) => showModels(m));
client.on('tool_call', (c) => log(`tool call: ${c.name}`));
client.on('metrics', (m) => {
  if (m.type === 'turn') showTurnMetrics(metricsBody, m);
  else log(`metrics: ${JSON.stringify(m)}`);
});
client.on('error', (e) => log(`error ${e.code}: ${e.message}`));

function describe(error: unknown): string {
  return error instanceof SightlineError ? `${error.code}: ${error.message}` : String(error);
}

startBtn.addEventListener('click', async () => {
  startBtn.disabled = true;
  try {
    const audio = raw ? { echoCancellation: false, noiseSuppression: false, autoGainControl: false } : true;
    clientOptions.token = await sessionToken();
    await client.start({ audio, video: { width: { ideal: 640 }, height: { ideal: 480 } } });
    preview.srcObject = client.localStream;
  } catch (error) {
    log(`could not start: ${describe(error)}`);
    startBtn.disabled = false;
  }
});

hangupBtn.addEventListener('click', () => {
  void client.close();
  preview.srcObject = null;
});

composer.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const text = textInput.value.trim();
  if (!text) return;
  textInput.value = '';
  transcript.typed(text);
  try {
    await client.sendText(text);
  } catch (error) {
    log(`could not send: ${describe(error)}`);
  }
});

imageInput.addEventListener('change', async () => {
  const file = imageInput.files?.[0];
  imageInput.value = '';
  if (!file) return;
  // Whatever is in the text box is the question about the image.
  const question = textInput.value.trim() || undefined;
  try {
    const sending = client.sendImage(file, question);
    textInput.value = '';
    transcript.image(file, file.name, question);
    await sending;
  } catch (error) {
    log(`could not send the image: ${describe(error)}`);
  }
});

$('copy-fetch').addEventListener('click', async () => {
  log((await copyFetchCommand()) ? 'fetch command copied' : 'fetch command selected: copy it');
});

/** Shows the models banner before any call: /readyz says what the server loaded. */
async function checkModels(): Promise<void> {
  try {
    const res = await fetch('/readyz', { cache: 'no-store' });
    const body = (await res.json()) as { models?: ModelsStatus; message?: string };
    if (body.models) showModels(body.models);
    if (body.message) $('models-message').textContent = body.message;
  } catch (error) {
    log(`could not read /readyz: ${String(error)}`);
  }
}
void checkModels();
