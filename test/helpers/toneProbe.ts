import type { Page } from 'playwright-core';
import type { PcmChunk } from '../../core/media.js';
import type { AudioSink } from '../../server/media/audio-out/audioSink.js';
import { waitFor } from './server.js';

/** A 440 Hz burst at 48 kHz, as one PCM chunk. */
export function toneBurst(ms: number, hz = 440): AsyncIterable<PcmChunk> {
  const n = Math.round((48000 * ms) / 1000);
  const samples = new Int16Array(n);
  for (let i = 0; i < n; i++) samples[i] = Math.round(16000 * Math.sin((2 * Math.PI * hz * i) / 48000));
  return (async function* () {
    yield { samples, sampleRateHz: 48000, ptsMs: 0 };
  })();
}

/** Attaches a WebAudio analyser to the page's assistant track; it records when sound next appears. */
export async function installToneProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const track = (globalThis as unknown as { sightline: { assistantTrack: MediaStreamTrack } }).sightline
      .assistantTrack;
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 256;
    ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    const w = globalThis as unknown as { toneArmed: boolean; toneAt: number | null };
    w.toneArmed = false;
    w.toneAt = null;
    setInterval(() => {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      if (w.toneArmed && Math.sqrt(sum / buf.length) > 0.05) {
        w.toneAt = Date.now();
        w.toneArmed = false;
      }
    }, 1);
  });
}

/** One tone burst's times, all on the shared wall clock (Date.now) so that page and server compare. */
export interface ToneTimes {
  /** When the burst was handed to the sink. */
  playAtMs: number;
  /** When its first packet left the pacer. */
  firstPacketAtMs: number;
  /** When the page's analyser heard it. */
  heardAtMs: number;
}

/**
 * Plays `count` tone bursts of `burstMs` into the call, one at a time, and records for each when
 * it was handed to the sink, when its first packet left the pacer and when the page heard it.
 */
export async function measureTones(
  page: Page,
  sink: AudioSink,
  count: number,
  burstMs = 250,
): Promise<ToneTimes[]> {
  const out: ToneTimes[] = [];
  for (let i = 0; i < count; i++) {
    await page.evaluate(() => Object.assign(globalThis, { toneArmed: true, toneAt: null }));
    const playAtMs = Date.now();
    const playback = sink.play(toneBurst(burstMs));
    const firstPacketAtMs = await waitFor(
      () => playback.firstPacketAtMs !== null && Date.now() - (performance.now() - playback.firstPacketAtMs),
      2000,
      'the first packet',
    );
    const heardAtMs = await waitFor(
      () => page.evaluate(() => (globalThis as unknown as { toneAt: number | null }).toneAt ?? false),
      3000,
      'the tone in the page',
    );
    out.push({ playAtMs, firstPacketAtMs, heardAtMs });
    const result = await playback.done;
    if (!result.completed || result.playedMs !== burstMs) {
      throw new Error(`tone playback ended ${result.reason} after ${result.playedMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 400));
  }
  return out;
}

/**
 * Plays `count` tone bursts into the call and returns, for each, the ms from the
 * server sending its first packet to the page's analyser hearing it (both on Date.now()).
 */
export async function measureToneLatencies(
  page: Page,
  sink: AudioSink,
  count: number,
  burstMs = 250,
): Promise<number[]> {
  return (await measureTones(page, sink, count, burstMs)).map((t) => t.heardAtMs - t.firstPacketAtMs);
}
