import { systemClock } from '../core/clock.js';
import { createLogger } from '../core/log.js';
import type { AudioFrame } from '../core/media.js';
import { listener } from '../pipelines/listen/listener.js';
import { MemoryMetrics } from '../pipelines/core/metrics.js';
import { loadConfig } from '../server/config.js';
import { loadModelSet } from '../server/assistant/modelSet.js';
import { readWav, spokenWav } from '../test/helpers/fixtures.js';
import { tinyModelSetDir } from '../test/helpers/tinyModels.js';

const log = createLogger({ level: 'info' });
const config = loadConfig({ SIGHTLINE_MODELS_DIR: tinyModelSetDir(), TTS_ENGINE: 'espeak' });
const set = await loadModelSet({ config: config.assistant, log });
const m = set.models!;
const wav = readWav(spokenWav('Hello there. What can you see on my camera right now?'));
// 48k float -> 16k int16 naive decimation
const pcm = new Int16Array(Math.floor(wav.samples.length / 3) + 16000 * 3);
for (let i = 0; i < wav.samples.length / 3; i++) pcm[i] = Math.round((wav.samples[i * 3] ?? 0) * 32767);
const t0 = performance.now();
async function* frames(): AsyncGenerator<AudioFrame> {
  for (let i = 0; i + 320 <= pcm.length; i += 320) {
    const ptsMs = (i / 16000) * 1000;
    const due = t0 + ptsMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    yield { samples: pcm.subarray(i, i + 320), sampleRateHz: 16000, ptsMs, durationMs: 20, filledSamples: 0, receivedAtMs: performance.now(), reanchored: false };
  }
}
const stage = listener({ vad: m.vad, stt: m.stt, turnModel: m.turn });
const ctx = { signal: new AbortController().signal, clock: systemClock, log, metrics: new MemoryMetrics() };
for await (const e of stage(frames(), ctx)) {
  const lag = performance.now() - t0;
  console.log(Math.round(lag), JSON.stringify(e).slice(0, 160));
}
console.log('done', Math.round(performance.now() - t0));
await set.dispose();
