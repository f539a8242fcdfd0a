import type { AudioFrame } from '../../core/media.js';
import { mulberry32 } from '../../models/runtime/random.js';
import type { EchoGuard } from '../../pipelines/listen/events.js';
import { rmsDbfs, speechLike, VOICE_A, VOICE_B, type Voice } from './speechLike.js';

/**
 * A scripted call for the echo guard: the assistant's voice is sent in 20 ms packets on the clock,
 * comes back in the caller's microphone delayed, attenuated, low-passed and with noise, and the
 * caller may talk alone or over it. Everything is synthetic and seeded.
 */
export interface EchoScene {
  /** Whole call, clock ms from 0. */
  durationMs: number;
  /** When the assistant's audio is sent, [start, end) clock ms. */
  assistant: readonly (readonly [number, number])[];
  /** When the caller talks, [start, end) on the mic's capture timeline (ptsMs). */
  person?: readonly (readonly [number, number])[];
  /** Sent → heard in the server's mic stream (both network legs, playout, room). */
  delayMs: number;
  /** Echo level relative to the sent audio. */
  echoGainDb: number;
  /** The echo path's low-pass (speaker, the browser's echo canceller leaving residue). Default 3400 Hz. */
  lowpassHz?: number;
  /** White noise in the mic, RMS dBFS. Default −40. */
  noiseDbfs?: number;
  /** Rate of the sent audio (TTS 24 kHz, sink 48 kHz). Default 24000. */
  sentRateHz?: number;
  /** Mic frame arrival after its last sample was captured. Default 25 ms. */
  upLatencyMs?: number;
  /** Peak arrival jitter (seeded, uniform ±). Default 0. */
  jitterMs?: number;
  /** No echo reaches the mic (the caller's speakers are off): the mic has noise only. */
  echoMuted?: boolean;
  personVoice?: Voice;
  assistantVoice?: Voice;
}

export interface SceneFrame {
  /** Capture time of the frame's first sample (ptsMs). */
  ptsMs: number;
  echoLikely: boolean;
  /** The guard returned the very frame it was given, samples unchanged. */
  untouched: boolean;
  /** RMS of the caller's own voice in this frame, dBFS (−Infinity when silent). */
  personDbfs: number;
  /** RMS of the echo in this frame, dBFS (−Infinity when none). */
  echoDbfs: number;
}

const RATE = 16000;
const FRAME_MS = 20;

/** A biquad low-pass (RBJ cookbook, Q = 0.707) run over the whole signal in place. */
function lowpass(x: Float32Array, cutoffHz: number, rateHz: number): void {
  const w = (2 * Math.PI * cutoffHz) / rateHz;
  const alpha = Math.sin(w) / (2 * Math.SQRT1_2);
  const c = Math.cos(w);
  const a0 = 1 + alpha;
  const b0 = (1 - c) / 2 / a0;
  const b1 = (1 - c) / a0;
  const b2 = b0;
  const a1 = (-2 * c) / a0;
  const a2 = (1 - alpha) / a0;
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    const y = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = v;
    y2 = y1;
    y1 = y;
    x[i] = y;
  }
}

function toInt16(x: Float32Array): Int16Array {
  return Int16Array.from(x, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))));
}

/** Runs the scene through `guard`, one 20 ms mic frame per packet tick; returns every frame's verdict. */
export function runEchoScene(guard: EchoGuard, scene: EchoScene): SceneFrame[] {
  const sentRate = scene.sentRateHz ?? 24000;
  const up = scene.upLatencyMs ?? 25;
  const total = Math.round((scene.durationMs * RATE) / 1000);
  const assistantVoice = scene.assistantVoice ?? VOICE_A;
  const personVoice = scene.personVoice ?? VOICE_B;

  // The assistant's audio at the sent rate and at 16 kHz, both on the clock (sample 0 = clock 0).
  const sent = new Float32Array(Math.round((scene.durationMs * sentRate) / 1000));
  const sent16 = new Float32Array(total);
  scene.assistant.forEach(([from, to], k) => {
    const voice = { ...assistantVoice, seed: assistantVoice.seed + 101 * k };
    sent.set(speechLike(voice, to - from, sentRate), Math.round((from * sentRate) / 1000));
    sent16.set(speechLike(voice, to - from, RATE), Math.round((from * RATE) / 1000));
  });

  // The echo in the mic: capture time p holds what was sent at clock p + up − delay.
  const echo = new Float32Array(total);
  if (!scene.echoMuted) {
    const shift = Math.round(((scene.delayMs - up) * RATE) / 1000);
    const g = 10 ** (scene.echoGainDb / 20);
    for (let i = 0; i < total; i++) {
      const j = i - shift;
      echo[i] = j >= 0 && j < total ? g * (sent16[j] as number) : 0;
    }
    lowpass(echo, scene.lowpassHz ?? 3400, RATE);
  }
  const person = new Float32Array(total);
  (scene.person ?? []).forEach(([from, to], k) => {
    const voice = { ...personVoice, seed: personVoice.seed + 211 * k };
    person.set(speechLike(voice, to - from, RATE), Math.round((from * RATE) / 1000));
  });
  const rnd = mulberry32(977);
  const noiseAmp = 10 ** ((scene.noiseDbfs ?? -40) / 20) * Math.sqrt(3); // uniform: RMS = amp/√3
  const mic = Float32Array.from(
    { length: total },
    (_, i) => (echo[i] as number) + (person[i] as number) + (rnd() * 2 - 1) * noiseAmp,
  );
  const mic16 = toInt16(mic);
  const sentPcm = toInt16(sent);

  const jitter = mulberry32(4243);
  const out: SceneFrame[] = [];
  const sentPerPacket = Math.round((sentRate * FRAME_MS) / 1000);
  const micPerFrame = (RATE * FRAME_MS) / 1000;
  for (let t = 0; t < scene.durationMs; t += FRAME_MS) {
    // The packet leaving now.
    if (scene.assistant.some(([from, to]) => t >= from && t < to)) {
      const at = Math.round((t * sentRate) / 1000);
      guard.noteSent({ samples: sentPcm.slice(at, at + sentPerPacket), sampleRateHz: sentRate, ptsMs: t }, t);
    }
    // The mic frame arriving now: captured [t − 20 − up, t − up).
    const ptsMs = t - FRAME_MS - up;
    if (ptsMs < 0) continue;
    const i0 = (ptsMs * RATE) / 1000;
    const samples = mic16.slice(i0, i0 + micPerFrame);
    const copy = samples.slice();
    const frame: AudioFrame = {
      samples,
      sampleRateHz: RATE,
      ptsMs,
      durationMs: FRAME_MS,
      filledSamples: 0,
      receivedAtMs: t + (scene.jitterMs ?? 0) * (jitter() * 2 - 1),
      reanchored: false,
    };
    const r = guard.process(frame);
    out.push({
      ptsMs,
      echoLikely: r.echoLikely,
      untouched: r.frame === frame && r.frame.samples.every((v, k) => v === copy[k]),
      personDbfs: rmsDbfs(person, i0, i0 + micPerFrame),
      echoDbfs: rmsDbfs(echo, i0, i0 + micPerFrame),
    });
  }
  return out;
}

/** Share (0…1) of `frames` matching `pick`, or NaN when there are none. */
export function share(frames: SceneFrame[], pick: (f: SceneFrame) => boolean): number {
  return frames.length === 0 ? Number.NaN : frames.filter(pick).length / frames.length;
}

export { VOICE_A, VOICE_B };
