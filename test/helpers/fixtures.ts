import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import wav from 'node-wav';

/** Where generated media fixtures are cached between runs. */
export const FIXTURE_DIR = join(import.meta.dirname, '..', '.fixtures');

/** The speech test signal: alternating silence and espeak-ng phrases. */
export const SPEECH_SCRIPT: { silenceMs: number; text: string }[] = [
  { silenceMs: 700, text: 'Hello there, can you see me?' },
  { silenceMs: 1300, text: 'The quick brown fox.' },
  { silenceMs: 900, text: 'One two three.' },
];
export const SPEECH_TAIL_SILENCE_MS = 1100;

/** The video test signal: one solid colour per second, in this order, looping. */
export const COLOUR_SEQUENCE: { name: string; rgb: [number, number, number] }[] = [
  { name: 'red', rgb: [255, 0, 0] },
  { name: 'green', rgb: [0, 255, 0] },
  { name: 'blue', rgb: [0, 0, 255] },
  { name: 'white', rgb: [255, 255, 255] },
  { name: 'black', rgb: [0, 0, 0] },
];
export const COLOUR_SEGMENT_MS = 1000;
export const VIDEO_SIZE = { width: 320, height: 240, fps: 15 };

/** sox effects that cut a clip's leading and trailing silence (so the script's silences are exact). */
// biome-ignore format: one effect chain per line reads better than one word per line
const TRIM_EDGE_SILENCE = ['silence', '1', '0.01', '0.5%', 'reverse', 'silence', '1', '0.01', '0.5%', 'reverse'];

/** Writes `ms` of digital silence as a 48 kHz mono 16-bit WAV. */
function silenceWav(path: string, ms: number): void {
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', path, 'trim', '0', `${ms / 1000}`]);
}

function cached(name: string, make: (tmp: string) => void): string {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const path = join(FIXTURE_DIR, name);
  if (!existsSync(path)) {
    const tmp = `${path}.${process.pid}.tmp`;
    make(tmp);
    renameSync(tmp, path);
  }
  return path;
}

/** A 48 kHz mono WAV of SPEECH_SCRIPT with exact digital silences (espeak-ng + sox). */
export function speechWav(): string {
  return cached('speech-48k.wav', (out) => {
    const parts: string[] = [];
    SPEECH_SCRIPT.forEach((seg, i) => {
      const sil = join(FIXTURE_DIR, `sil-${i}.wav`);
      silenceWav(sil, seg.silenceMs);
      const raw = join(FIXTURE_DIR, `say-${i}.raw.wav`);
      execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', raw, seg.text]);
      const speech = join(FIXTURE_DIR, `say-${i}.wav`);
      // Trim espeak's own leading/trailing silence so the script's silences are exact.
      execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', speech, ...TRIM_EDGE_SILENCE]);
      parts.push(sil, speech);
    });
    const tail = join(FIXTURE_DIR, 'sil-tail.wav');
    silenceWav(tail, SPEECH_TAIL_SILENCE_MS);
    execFileSync('sox', [...parts, tail, '-t', 'wav', out]);
  });
}

/** A Y4M clip cycling through COLOUR_SEQUENCE, one colour per COLOUR_SEGMENT_MS. */
export function colourY4m(): string {
  const { width, height, fps } = VIDEO_SIZE;
  return cached(`colours-${width}x${height}.y4m`, (out) => {
    const d = COLOUR_SEGMENT_MS / 1000;
    const inputs = COLOUR_SEQUENCE.flatMap((c) => {
      const hex = c.rgb.map((v) => v.toString(16).padStart(2, '0')).join('');
      return ['-f', 'lavfi', '-i', `color=c=0x${hex}:s=${width}x${height}:r=${fps}:d=${d}`];
    });
    const n = COLOUR_SEQUENCE.length;
    const filter = `${COLOUR_SEQUENCE.map((_, i) => `[${i}:v]`).join('')}concat=n=${n}:v=1:a=0,format=yuv420p[v]`;
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      ...inputs,
      '-filter_complex',
      filter,
      '-map',
      '[v]',
      '-f',
      'yuv4mpegpipe',
      out,
    ]);
  });
}

/** Reads a mono WAV as float samples. */
export function readWav(path: string): { sampleRate: number; samples: Float32Array } {
  const decoded = wav.decode(readFileSync(path));
  return { sampleRate: decoded.sampleRate, samples: decoded.channelData[0] as Float32Array };
}

/** `text` spoken by espeak-ng as a 48 kHz mono WAV (edges trimmed), cached by its text. */
export function spokenWav(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40);
  return cached(`spoken-${slug}-${text.length}.wav`, (out) => {
    const raw = `${out}.raw.wav`;
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', raw, text]);
    execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', '-t', 'wav', out, ...TRIM_EDGE_SILENCE]);
  });
}
