// The echo guard: CPU per 20 ms mic frame, the assistant's own voice taken for the person (%),
// and the person's voiced frames missed while talking over the assistant (%), over a grid of
// echo delays and attenuations (synthetic voices, low-passed echo, −40 dBFS noise).
// Run: npm run bench:echo
import { availableParallelism, loadavg } from 'node:os';
import type { AudioFrame } from '../core/media.js';
import { createEchoGuard, type EchoGuardOptions } from '../pipelines/listen/echoGuard.js';
import { type EchoScene, runEchoScene, type SceneFrame } from '../test/helpers/echoScene.js';
import { speechLike, VOICE_A, VOICE_B } from '../test/helpers/speechLike.js';

const DELAYS_MS = [60, 150, 250, 350, 450];
const GAINS_DB = [-6, -12, -20, -30];
/** Frames of the first reply's first this-many ms of echo are the guard's convergence, not scored. */
const CONVERGENCE_MS = 300;
/**
 * Double talk, as in the unit tests: the person's voiced frames (their own voice within 6 dB of
 * their level) where the echo is talking too (within 10 dB of its level at the mic).
 */
const VOICED_BELOW_LEVEL_DB = 6;
const ECHO_BELOW_LEVEL_DB = 10;
const UP_MS = 25;

const ASSISTANT: [number, number][] = [
  [500, 4500],
  [5800, 11000],
];
const PERSON: [number, number][] = [
  [2000, 3600],
  [7000, 9800],
];

function scored(frames: SceneFrame[], delayMs: number, echoGainDb: number) {
  const settledFromPts = (ASSISTANT[0] as [number, number])[0] + delayMs - UP_MS + CONVERGENCE_MS;
  const echoOnly = frames.filter(
    (f) => f.ptsMs >= settledFromPts && f.personDbfs === Number.NEGATIVE_INFINITY,
  );
  const voiced = frames.filter(
    (f) =>
      f.personDbfs >= VOICE_B.levelDbfs - VOICED_BELOW_LEVEL_DB &&
      f.echoDbfs > VOICE_A.levelDbfs + echoGainDb - ECHO_BELOW_LEVEL_DB,
  );
  return {
    echoAsPerson: echoOnly.filter((f) => !f.echoLikely).length / Math.max(1, echoOnly.length),
    missed: voiced.filter((f) => f.echoLikely).length / Math.max(1, voiced.length),
  };
}

function scene(delayMs: number, echoGainDb: number, withPerson: boolean, sentRateHz = 24000): EchoScene {
  return {
    durationMs: 12000,
    assistant: ASSISTANT,
    person: withPerson ? PERSON : [],
    delayMs,
    echoGainDb,
    sentRateHz,
    upLatencyMs: UP_MS,
    jitterMs: 8,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}`.padStart(6);

function grid(options: EchoGuardOptions = {}) {
  console.log('delay ms  echo dB   echo→person %   double-talk missed %   delay found ms');
  let worstFalse = 0;
  let worstMissed = 0;
  for (const d of DELAYS_MS) {
    for (const g of GAINS_DB) {
      const echoGuard = createEchoGuard(options);
      const echoOnly = scored(runEchoScene(echoGuard, scene(d, g, false)), d, g);
      const found = echoGuard.state.delayMs;
      const dt = scored(runEchoScene(createEchoGuard(options), scene(d, g, true)), d, g);
      worstFalse = Math.max(worstFalse, echoOnly.echoAsPerson);
      worstMissed = Math.max(worstMissed, dt.missed);
      console.log(
        `${String(d).padStart(8)}  ${String(g).padStart(7)}   ${pct(echoOnly.echoAsPerson)}          ${pct(dt.missed)}                ${String(found).padStart(6)}`,
      );
    }
  }
  console.log(`worst: echo→person ${pct(worstFalse)} %, double-talk missed ${pct(worstMissed)} %`);
}

/** CPU per frame: the checked path (reference recent) and the idle path (nothing sent lately). */
function cost() {
  const guard = createEchoGuard();
  const seconds = 20;
  const ref = speechLike(VOICE_A, seconds * 1000, 24000);
  const refPcm = Int16Array.from(ref, (v) => Math.round(v * 32767));
  const mic = Int16Array.from(speechLike(VOICE_B, seconds * 1000, 16000), (v) => Math.round(v * 16000));
  const frames: AudioFrame[] = [];
  for (let k = 0; k < seconds * 50; k++) {
    frames.push({
      samples: mic.subarray(k * 320, (k + 1) * 320),
      sampleRateHz: 16000,
      ptsMs: k * 20,
      durationMs: 20,
      filledSamples: 0,
      receivedAtMs: k * 20 + 45,
      reanchored: false,
    });
  }
  let sendUs = 0;
  let checkUs = 0;
  for (let k = 0; k < frames.length; k++) {
    const t0 = performance.now();
    guard.noteSent(
      { samples: refPcm.subarray(k * 480, (k + 1) * 480), sampleRateHz: 24000, ptsMs: k * 20 },
      k * 20,
    );
    const t1 = performance.now();
    guard.process(frames[k] as AudioFrame);
    const t2 = performance.now();
    if (k >= 50) {
      sendUs += (t1 - t0) * 1000;
      checkUs += (t2 - t1) * 1000;
    }
  }
  const n = frames.length - 50;
  const idle = createEchoGuard();
  idle.noteSent({ samples: refPcm.subarray(0, 480), sampleRateHz: 24000, ptsMs: 0 }, 0);
  let idleUs = 0;
  for (let k = 0; k < frames.length; k++) {
    const f = { ...(frames[k] as AudioFrame), ptsMs: 100000 + k * 20, receivedAtMs: 100045 + k * 20 };
    const t0 = performance.now();
    idle.process(f);
    idleUs += (performance.now() - t0) * 1000;
  }
  console.log(
    `per 20 ms frame: process ${(checkUs / n).toFixed(1)} µs while checking, ${(idleUs / frames.length).toFixed(2)} µs idle; ` +
      `noteSent (24 kHz → 16 kHz + bands) ${(sendUs / n).toFixed(1)} µs per 20 ms packet ` +
      `(${((100 * (checkUs + sendUs)) / n / 20000).toFixed(2)} % of a core per call while the assistant speaks)`,
  );
}

console.log(
  `echo guard bench: ${availableParallelism()} cores, load ${loadavg()[0]?.toFixed(2)}; ` +
    `echo low-passed 3.4 kHz, −40 dBFS noise, ±8 ms arrival jitter, sent at 24 kHz; ` +
    `scored after the first ${CONVERGENCE_MS} ms of the first reply's echo`,
);
cost();
grid();
