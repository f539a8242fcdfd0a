// The listen lane's own cost: CPU per second of caller audio through the listener (echo-free),
// with instant fakes (the framework alone) and with the real Silero VAD, over the espeak-ng
// speech fixture fed as 20 ms tap frames as fast as it is consumed.
// Run: node --import tsx bench/listen.ts
import { availableParallelism, loadavg } from 'node:os';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/log.js';
import type { AudioFrame } from '../core/media.js';
import { SileroVadRole } from '../models/roles/sileroVadRole.js';
import type { Vad } from '../models/roles/vad.js';
import { MemoryMetrics } from '../pipelines/core/metrics.js';
import { listener } from '../pipelines/listen/listener.js';
import { FakeStt } from '../pipelines/testing/fakes/fakeStt.js';
import { FakeVad } from '../pipelines/testing/fakes/fakeVad.js';
import { read16k } from '../test/helpers/audio.js';
import { speechWav } from '../test/helpers/fixtures.js';

const REPEATS = 5;

function frames(samples: Float32Array, repeats: number): AudioFrame[] {
  const pcm = Int16Array.from(samples, (v) => Math.round(v * 32767));
  const out: AudioFrame[] = [];
  for (let r = 0; r < repeats; r++) {
    for (let at = 0; at + 320 <= pcm.length; at += 320) {
      const ptsMs = out.length * 20;
      out.push({
        samples: pcm.subarray(at, at + 320),
        sampleRateHz: 16000,
        ptsMs,
        durationMs: 20,
        filledSamples: 0,
        receivedAtMs: ptsMs + 20,
        reanchored: false,
      });
    }
  }
  return out;
}

async function run(label: string, vad: Vad, input: AudioFrame[]) {
  async function* source() {
    yield* input;
  }
  const ctx = {
    signal: new AbortController().signal,
    clock: systemClock,
    log: silentLogger,
    metrics: new MemoryMetrics(),
  };
  let turns = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for await (const e of listener({ vad, stt: new FakeStt({ transcript: 'hello' }) })(source(), ctx)) {
    if (e.type === 'end-of-turn') turns++;
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const audioS = input.length / 50;
  const cpuMsPerS = (cpu.user + cpu.system) / 1000 / audioS;
  const vadMs = ctx.metrics.ofType('vad').reduce((s, m) => s + m.inferenceDurationTotalMs, 0);
  console.log(
    `${label.padEnd(22)} ${audioS.toFixed(0)} s audio, ${turns} turns: CPU ${cpuMsPerS.toFixed(2)} ms per s of audio` +
      ` (${((cpuMsPerS / 1000) * 100).toFixed(2)} % of a core), ${((wallMs * 1000) / input.length).toFixed(0)} µs wall per 20 ms frame,` +
      ` VAD ${(vadMs / audioS).toFixed(2)} ms per s`,
  );
}

const input = frames(read16k(speechWav()), REPEATS);
console.log(`listen lane, ${availableParallelism()} cores, load ${loadavg()[0]?.toFixed(2)}`);
await run('instant fakes', new FakeVad({ windowMs: 32 }), input);
const silero = await SileroVadRole.load();
await run('Silero VAD, fake STT', silero, input);
await silero.dispose();
