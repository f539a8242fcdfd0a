import type { Session, SessionState, StartOptions } from '../sdk/api.js';
import { connect, type ModelsStatus, type VideoSendOptions } from '../sdk/index.js';
import { rememberedUser } from '../timeline/session.js';
import { DevicePickers } from './devices.js';
import { wireImageInput } from './imageInput.js';
import { LevelMeter } from './meters.js';
import { VoiceToVoiceChart } from './metricsChart.js';
import { copyFetchCommand, showModels, showState, showTurnMetrics } from './panels.js';
import { PushToTalk } from './pushToTalk.js';
import { emptyRecord, recordEvents } from './record.js';
import { TranscriptView } from './transcript.js';
import { VideoPicker } from './videoPicker.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const button = (id: string) => $<HTMLButtonElement>(id);
const stateEl = $('state');
const logEl = $('log');
const preview = $<HTMLVideoElement>('preview');
const textInput = $<HTMLInputElement>('text');
const pttBox = $<HTMLInputElement>('ptt');
const metricsBody = $<HTMLTableElement>('turn-metrics').tBodies[0] as HTMLTableSectionElement;
const transcript = new TranscriptView($<HTMLOListElement>('transcript'));
const chart = new VoiceToVoiceChart(document.getElementById('v2v-chart') as unknown as SVGSVGElement);
const meters = { you: new LevelMeter($('level-you')), assistant: new LevelMeter($('level-assistant')) };
/** Controls usable only while a call runs. */
const IN_CALL = [
  'mute-mic',
  'mute-camera',
  'share-screen',
  'interrupt',
  'text',
  'send',
  'image-button',
  'image',
];

const params = new URLSearchParams(location.search);
// ?raw=1 turns off the browser's echo cancellation and noise suppression (for measurements).
const raw = params.get('raw') === '1';
if (params.get('ptt') === '1') pttBox.checked = true;

/** Measurement knobs for the camera's send settings (?vStartKbps=0 is the browser's own start). */
function videoSendFromQuery(): VideoSendOptions {
  const num = (k: string) => (params.has(k) ? Number(params.get(k)) : undefined);
  const keep = params.get('vKeepRes');
  const start = num('vStartKbps');
  const max = num('vMaxKbps');
  return {
    ...(start !== undefined ? { startBitrateKbps: start } : {}),
    ...(max !== undefined ? { maxBitrateKbps: max } : {}),
    ...(keep !== null ? { maintainResolution: keep === '1' } : {}),
  };
}

const LOG_LINES = 500;
function log(line: string): void {
  const t = new Date().toISOString().slice(11, 23);
  logEl.textContent = `${(logEl.textContent ?? '').split('\n').slice(-LOG_LINES).join('\n')}${t} ${line}\n`;
  logEl.scrollTop = logEl.scrollHeight;
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}

let session: Session | null = null;
const events = emptyRecord();
const picker = new VideoPicker($<HTMLSelectElement>('video-pick'), $<HTMLOListElement>('video-answers'), log);
const devices = new DevicePickers(
  $<HTMLSelectElement>('mic-pick'),
  $<HTMLSelectElement>('camera-pick'),
  (kind, id) =>
    act(kind === 'audioinput' ? 'switch the microphone' : 'switch the camera', (s) =>
      kind === 'audioinput' ? s.switchMicrophone(id) : s.switchCamera(id),
    ),
);
const ptt = new PushToTalk(button('talk'), (pressed) => act('talk', (s) => s.talk(pressed)));

/*
 * `window.sightline`: the current session and every event the page received
 * (by the SDK's event names), and the level meters, for tests and debugging.
 */
(globalThis as { sightline?: unknown }).sightline = {
  get session() {
    return session;
  },
  get assistantTrack() {
    return session?.assistantTrack ?? null;
  },
  events,
  levels: meters,
  /** Subscribes to the current session's events (after Start). */
  on: (name: string, listener: (...args: unknown[]) => void) =>
    (session?.on as ((n: string, l: (...args: unknown[]) => void) => () => void) | undefined)?.(
      name,
      listener,
    ),
};

/** Runs one session action, logging (and showing) a failure instead of throwing. */
function act(what: string, run: (s: Session) => Promise<unknown>): void {
  if (!session) return;
  run(session).catch((error: unknown) => {
    log(`could not ${what}: ${describe(error)}`);
    transcript.notice(`Could not ${what}: ${describe(error)}`, 'error');
  });
}

function showLive(state: SessionState): void {
  showState(stateEl, state);
  const live = state !== 'idle' && state !== 'closed';
  const ready = live && state !== 'connecting';
  button('start').disabled = live;
  button('hangup').disabled = !live;
  pttBox.disabled = live;
  for (const id of IN_CALL) ($(id) as HTMLButtonElement | HTMLInputElement).disabled = !ready;
  button('interrupt').disabled = !(state === 'thinking' || state === 'speaking');
  ptt.setEnabled(ready && pttBox.checked);
}

function showToggles(s: Session): void {
  const set = (id: string, on: boolean, words: [string, string]) => {
    const b = button(id);
    b.setAttribute('aria-pressed', String(on));
    b.textContent = on ? words[1] : words[0];
  };
  set('mute-mic', s.microphoneMuted, ['Mute microphone', 'Unmute microphone']);
  set('mute-camera', s.cameraMuted, ['Turn camera off', 'Turn camera on']);
  set('share-screen', s.screenSharing, ['Share screen', 'Stop sharing']);
}

function follow(s: Session): void {
  recordEvents(s, events);
  s.on('state', (state) => {
    log(`state: ${state}`);
    if (s !== session) return;
    showLive(state);
    if (state === 'closed') end();
  });
  s.on('userTranscript', (t) => transcript.userTranscript(t));
  s.on('assistantText', (r) => transcript.assistantText(r));
  s.on('toolCall', (c) => {
    transcript.toolCall(c);
    log(`tool call: ${c.name} ${c.outcome.ok ? 'ok' : c.outcome.code}`);
  });
  s.on('metrics', (m) => {
    showTurnMetrics(metricsBody, m);
    chart.add(m);
  });
  s.on('models', (m) => showModels(m));
  s.on('error', (e) => {
    log(`error ${e.code}: ${e.message}`);
    transcript.notice(`${e.message} (${e.code})`, 'error');
  });
  s.on('assistantTrack', (track) => meters.assistant.attach(track));
  s.on('localStream', (stream) => {
    preview.srcObject = stream;
    meters.you.attach(stream.getAudioTracks()[0] ?? null);
    devices.showInUse(stream);
    showToggles(s);
  });
  s.on('reconnected', ({ downMs, iceRestarted }) => {
    log(`reconnected after ${downMs} ms${iceRestarted ? ' (ICE restarted)' : ''}`);
    transcript.notice(`Reconnected after ${(downMs / 1000).toFixed(1)} s`, 'info');
  });
}

function end(): void {
  session = null;
  preview.srcObject = null;
  meters.you.attach(null);
  meters.assistant.attach(null);
  picker.use(null);
  showLive('closed');
}

button('start').addEventListener('click', async () => {
  button('start').disabled = true;
  showLive('connecting');
  const audioBase: MediaTrackConstraints = raw
    ? { echoCancellation: false, noiseSuppression: false, autoGainControl: false }
    : {};
  const options: StartOptions = {
    audio: devices.microphoneId
      ? { ...audioBase, deviceId: { exact: devices.microphoneId } }
      : raw
        ? audioBase
        : true,
    video: {
      width: { ideal: 640 },
      height: { ideal: 480 },
      ...(devices.cameraId ? { deviceId: { exact: devices.cameraId } } : {}),
    },
    pushToTalk: pttBox.checked,
    videoSend: videoSendFromQuery(),
  };
  try {
    const s = await connect({
      user: rememberedUser(),
      logger: { debug: (m: string, f?: Record<string, unknown>) => log(`${m} ${JSON.stringify(f ?? {})}`) },
    });
    session = s;
    follow(s);
    await s.start(options);
    if (s !== session) return;
    showLive(s.state);
    showToggles(s);
    picker.use(s);
    await devices.refresh();
    devices.showInUse(s.localStream);
  } catch (error) {
    log(`could not start: ${describe(error)}`);
    transcript.notice(`Could not start the call: ${describe(error)}`, 'error');
    const s = session;
    session = null;
    void s?.hangUp();
    showLive('idle');
  }
});

button('hangup').addEventListener('click', () => {
  const s = session;
  end();
  void s?.hangUp();
});

button('mute-mic').addEventListener('click', () =>
  act('mute the microphone', async (s) => {
    await s.setMicrophoneMuted(!s.microphoneMuted);
    showToggles(s);
  }),
);
button('mute-camera').addEventListener('click', () =>
  act('turn the camera off', async (s) => {
    await s.setCameraMuted(!s.cameraMuted);
    showToggles(s);
  }),
);
button('share-screen').addEventListener('click', () =>
  act('share the screen', async (s) => {
    await s.shareScreen(!s.screenSharing);
    showToggles(s);
  }),
);
button('interrupt').addEventListener('click', () => act('interrupt', (s) => s.interrupt()));

$<HTMLFormElement>('composer').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = textInput.value.trim();
  if (!text || !session) return;
  textInput.value = '';
  transcript.typed(text);
  act('send the message', (s) => s.sendText(text));
});

wireImageInput($<HTMLInputElement>('image'), button('image-button'), $('conversation'), (file) => {
  // Whatever is in the text box is the question about the image.
  const question = textInput.value.trim() || undefined;
  textInput.value = '';
  transcript.image(file, file.name || 'pasted image', question);
  act('send the image', (s) => s.sendImage(file, question));
});

button('copy-fetch').addEventListener('click', async () => {
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
showLive('idle');
void checkModels();
void devices.refresh();
