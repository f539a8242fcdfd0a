import { spawn } from 'node:child_process';
import type { Stt } from '../../../models/roles/stt.js';
import type { Vad } from '../../../models/roles/vad.js';
import { ModelError, throwIfAborted } from '../../../models/runtime/errors.js';
import { SightlineError } from '../../../protocol/errors.js';
import type { ProbeInfo, SegmentRecord } from '../types.js';
import { type SpeechRegion, type SpeechRegionOptions, SpeechRegions } from './speechRegions.js';

/** Samples handed to the VAD at a time (100 ms at 16 kHz). */
const VAD_CHUNK_SAMPLES = 1600;

/**
 * 16 kHz mono PCM of the file's first audio stream, streamed from ffmpeg in
 * blocks of whole samples. An abort kills ffmpeg and throws ERR_ABORTED; a
 * decode failure throws ERR_VIDEO_UNREADABLE.
 */
async function* pcmStream(path: string, rateHz: number, signal?: AbortSignal): AsyncGenerator<Int16Array> {
  throwIfAborted(signal);
  // biome-ignore format: one ffmpeg command line
  const child = spawn('ffmpeg', ['-v', 'error', '-nostdin', '-i', path, '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(rateHz), '-f', 's16le', 'pipe:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let carry: Buffer | null = null;
    for await (const data of child.stdout as AsyncIterable<Buffer>) {
      let bytes: Buffer = carry ? Buffer.concat([carry, data]) : data;
      carry = null;
      if (bytes.length % 2 === 1) {
        carry = bytes.subarray(bytes.length - 1);
        bytes = bytes.subarray(0, bytes.length - 1);
      }
      if (bytes.length === 0) continue;
      const samples = new Int16Array(bytes.length / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
      yield samples;
    }
    const code = await exited;
    throwIfAborted(signal);
    if (code !== 0) {
      throw new SightlineError('ERR_VIDEO_UNREADABLE', `ffmpeg could not decode the audio (exit ${code})`);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** Audio kept since `baseSample`, growing at the end and cut at the front; never the whole file. */
class SampleWindow {
  #buf = new Int16Array(16_000 * 4);
  #len = 0;
  /** Absolute index of `#buf[0]`. */
  base = 0;

  get end(): number {
    return this.base + this.#len;
  }

  append(samples: Int16Array): void {
    if (this.#len + samples.length > this.#buf.length) {
      const next = new Int16Array(Math.max(this.#buf.length * 2, this.#len + samples.length));
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
    }
    this.#buf.set(samples, this.#len);
    this.#len += samples.length;
  }

  /** Forgets everything before absolute sample `from`. */
  dropBefore(from: number): void {
    const n = Math.min(this.#len, Math.max(0, from - this.base));
    if (n === 0) return;
    this.#buf.copyWithin(0, n, this.#len);
    this.#len -= n;
    this.base += n;
  }

  /** A copy of absolute samples [from, to), clamped to what is held. */
  slice(from: number, to: number): { samples: Int16Array; from: number } {
    const a = Math.max(0, from - this.base);
    const b = Math.min(this.#len, Math.max(a, to - this.base));
    return { samples: this.#buf.slice(a, b), from: this.base + a };
  }
}

/** The `audio` stage's inputs and knobs. */
export interface TranscribeAudioOptions {
  signal?: AbortSignal;
  onProgress?: (stagePercent: number) => void;
  regions?: Partial<SpeechRegionOptions>;
  /** Passed to the STT (ISO 639-1); the model's default when absent. */
  language?: string;
}

/**
 * The `audio` stage: the file's audio as 16 kHz mono, streamed from ffmpeg
 * (only the audio of the open speech region is held), through the VAD into
 * speech regions (short gaps merged, padded), each region transcribed as it
 * closes. Segment times are the video's: the STT's own segment times where it
 * gives them (absolute, since the region's `ptsMs` is its place in the video),
 * else the region's. Files without audio give no segments.
 */
export async function transcribeAudio(
  path: string,
  probe: ProbeInfo,
  models: { vad: Vad; stt: Stt },
  options: TranscribeAudioOptions = {},
): Promise<SegmentRecord[]> {
  const { signal, onProgress } = options;
  if (!probe.hasAudio) {
    onProgress?.(100);
    return [];
  }
  const { vad, stt } = models;
  if (vad.sampleRateHz !== stt.sampleRateHz) {
    throw new ModelError('ERR_MODEL_INPUT', `VAD at ${vad.sampleRateHz} Hz, STT at ${stt.sampleRateHz} Hz`);
  }
  const rateHz = vad.sampleRateHz;
  const toMs = (sample: number) => (sample * 1000) / rateHz;
  const toSample = (ms: number) => Math.round((ms * rateHz) / 1000);
  const detector = new SpeechRegions(options.regions);
  const padMs = detector.options.padMs;
  const window = new SampleWindow();
  const segments: SegmentRecord[] = [];
  const stream = vad.createStream();

  const transcribe = async (region: SpeechRegion, lastSample: number) => {
    const from = toSample(Math.max(0, region.startMs - padMs));
    const to = Math.min(lastSample, toSample(region.endMs + padMs));
    const { samples, from: at } = window.slice(from, to);
    if (samples.length === 0) return;
    const ptsMs = toMs(at);
    const r = await stt.transcribe(
      { samples, sampleRateHz: rateHz, ptsMs },
      { signal, language: options.language },
    );
    const said = r.segments.filter((s) => s.text.trim() !== '');
    if (said.length > 0) {
      for (const s of said)
        segments.push({ startMs: Math.round(s.startMs), endMs: Math.round(s.endMs), text: s.text.trim() });
    } else if (r.text.trim() !== '') {
      segments.push({
        startMs: Math.round(region.startMs),
        endMs: Math.round(region.endMs),
        text: r.text.trim(),
      });
    }
  };

  try {
    let pending = new Int16Array(0);
    let fed = 0;
    const feed = async (samples: Int16Array) => {
      const verdicts = await stream.process({ samples, sampleRateHz: rateHz, ptsMs: toMs(fed) }, signal);
      fed += samples.length;
      for (const v of verdicts) for (const region of detector.push(v)) await transcribe(region, window.end);
      window.dropBefore(toSample(detector.neededFromMs(toMs(fed)) - padMs));
    };
    for await (const block of pcmStream(path, rateHz, signal)) {
      window.append(block);
      let all = block;
      if (pending.length > 0) {
        all = new Int16Array(pending.length + block.length);
        all.set(pending);
        all.set(block, pending.length);
      }
      let at = 0;
      for (; at + VAD_CHUNK_SAMPLES <= all.length; at += VAD_CHUNK_SAMPLES) {
        await feed(all.subarray(at, at + VAD_CHUNK_SAMPLES));
      }
      pending = all.slice(at);
      onProgress?.(Math.min(99, (100 * toMs(fed)) / Math.max(1, probe.durationMs)));
    }
    if (pending.length > 0) await feed(pending);
    for (const region of detector.end()) await transcribe(region, window.end);
  } finally {
    stream.dispose();
  }
  onProgress?.(100);
  return segments.sort((a, b) => a.startMs - b.startMs);
}
