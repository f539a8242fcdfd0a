import { SightlineClient, type SightlineError } from '../sdk/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const startBtn = $<HTMLButtonElement>('start');
const hangupBtn = $<HTMLButtonElement>('hangup');
const stateEl = $('state');
const logEl = $('log');
const preview = $<HTMLVideoElement>('preview');

const params = new URLSearchParams(location.search);
// ?raw=1 turns off the browser's echo cancellation and noise suppression (for measurements).
const raw = params.get('raw') === '1';

function log(line: string): void {
  const t = new Date().toISOString().slice(11, 23);
  logEl.textContent += `${t} ${line}\n`;
  logEl.scrollTop = logEl.scrollHeight;
}

const client = new SightlineClient();
(globalThis as { sightline?: SightlineClient }).sightline = client;

client.on('state', (s) => {
  stateEl.textContent = s;
  log(`state: ${s}`);
  const live = s !== 'idle' && s !== 'closed';
  startBtn.disabled = live;
  hangupBtn.disabled = !live;
});
client.on('transcript', (t) => log(`you: ${t.text}`));
client.on('reply', (r) => log(`assistant: ${r.text}`));
client.on('metrics', (m) => log(`metrics: ${JSON.stringify(m)}`));
client.on('error', (e: SightlineError) => log(`error ${e.code}: ${e.message}`));

startBtn.addEventListener('click', async () => {
  startBtn.disabled = true;
  try {
    const audio = raw ? { echoCancellation: false, noiseSuppression: false, autoGainControl: false } : true;
    await client.start({ audio, video: { width: { ideal: 640 }, height: { ideal: 480 } } });
    preview.srcObject = client.localStream;
  } catch (error) {
    const e = error as SightlineError;
    log(`could not start: ${e.code ?? ''} ${e.message}`);
    startBtn.disabled = false;
  }
});

hangupBtn.addEventListener('click', () => {
  void client.close();
  preview.srcObject = null;
});
