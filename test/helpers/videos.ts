import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DIR } from './fixtures.js';

/**
 * Test videos made with ffmpeg, espeak-ng and sox, cached in test/.fixtures.
 * Every fact a test asserts (which words are on screen when, who speaks when)
 * comes from the scripts below, never from reading the output back.
 */

/** One scene of the "station" video: a solid background and big drawn text over [startMs, endMs). */
export interface VideoScene {
  startMs: number;
  endMs: number;
  /** Background colour, 0xRRGGBB. */
  colour: string;
  /** The words drawn on screen (upper case, as PP-OCR reads best). */
  text: string;
}

/** One spoken phrase: espeak-ng's speech placed at `atMs` (its real duration is measured when made). */
export interface VideoSpeech {
  atMs: number;
  text: string;
}

/** 60 s of six distinct 10 s scenes, each with its own on-screen words. */
export const STATION_SCENES: readonly VideoScene[] = [
  { startMs: 0, endMs: 10_000, colour: 'F5DEB3', text: 'WELCOME TO THE STATION' },
  { startMs: 10_000, endMs: 20_000, colour: 'ADD8E6', text: 'TICKETS SOLD HERE' },
  { startMs: 20_000, endMs: 30_000, colour: '90EE90', text: 'TRAIN DEPARTS AT NOON' },
  { startMs: 30_000, endMs: 40_000, colour: 'FFB6C1', text: 'PLATFORM 9 CLOSED' },
  { startMs: 40_000, endMs: 50_000, colour: 'FFFFE0', text: 'THE DOOR OPENS NOW' },
  { startMs: 50_000, endMs: 60_000, colour: 'E6E6FA', text: 'THANK YOU FOR TRAVELLING' },
];

/** Speech over the station video, each phrase well inside one scene. */
export const STATION_SPEECH: readonly VideoSpeech[] = [
  { atMs: 2_000, text: 'Good morning, and welcome to the central station.' },
  { atMs: 12_500, text: 'You can buy your tickets at this counter.' },
  { atMs: 31_000, text: 'Platform nine is closed for repairs today.' },
  { atMs: 42_000, text: 'Watch out, the door is opening.' },
];

export const STATION_DURATION_MS = 60_000;
export const STATION_SIZE = { width: 480, height: 270, fps: 10 };

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
/** Bumped whenever what a generator draws or says changes (the cache is keyed by file name). */
const VIDEO_FIXTURES_VERSION = 3;
const VIDEO_DIR = join(FIXTURE_DIR, `videos-v${VIDEO_FIXTURES_VERSION}`);

function cached(name: string, make: (tmp: string) => void): string {
  mkdirSync(VIDEO_DIR, { recursive: true });
  const path = join(VIDEO_DIR, name);
  if (!existsSync(path)) {
    const ext = name.slice(name.lastIndexOf('.'));
    const tmp = `${path}.${process.pid}.tmp${ext}`;
    make(tmp);
    renameSync(tmp, path);
  }
  return path;
}

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The phrase as a 16 kHz mono WAV (espeak-ng, edges trimmed); returns the path and its duration. */
function phraseWav(text: string, i: number): { path: string; durationMs: number } {
  const path = cached(`phrase-${i}-${text.length}.wav`, (out) => {
    const raw = `${out}.raw.wav`;
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', raw, text]);
    // biome-ignore format: one effect chain
    execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', '-t', 'wav', out, 'silence', '1', '0.01', '0.5%', 'reverse', 'silence', '1', '0.01', '0.5%', 'reverse']);
  });
  const samples = (readFileSync(path).length - 44) / 2;
  return { path, durationMs: Math.round((samples / 16_000) * 1000) };
}

/** The station script with each phrase's true end (from its rendered length). */
export function stationSpeechTimes(): { atMs: number; endMs: number; text: string }[] {
  return STATION_SPEECH.map((s, i) => {
    const { durationMs } = phraseWav(s.text, i);
    return { atMs: s.atMs, endMs: s.atMs + durationMs, text: s.text };
  });
}

function drawtextFilter(scenes: readonly VideoScene[]): string {
  // One drawtext per scene, enabled over its interval; a colour source per scene, concatenated.
  return scenes
    .map((s) => {
      const t0 = (s.startMs / 1000).toFixed(3);
      const t1 = (s.endMs / 1000).toFixed(3);
      // Half-open [t0, t1): `between` is inclusive and would draw both texts on the frame at a cut.
      return `drawtext=fontfile=${FONT}:text='${s.text}':fontsize=30:fontcolor=black:x=(w-text_w)/2:y=(h-text_h)/2:enable='gte(t,${t0})*lt(t,${t1})'`;
    })
    .join(',');
}

function backgroundInputs(scenes: readonly VideoScene[], size: typeof STATION_SIZE): string[] {
  return scenes.flatMap((s) => [
    '-f',
    'lavfi',
    '-i',
    `color=c=0x${s.colour}:s=${size.width}x${size.height}:r=${size.fps}:d=${(s.endMs - s.startMs) / 1000}`,
  ]);
}

/** The station soundtrack: silence with each phrase at its time, 16 kHz mono WAV, `durationMs` long. */
export function stationAudioWav(): string {
  return cached('station-audio.wav', (out) => {
    const phrases = STATION_SPEECH.map((s, i) => phraseWav(s.text, i).path);
    const inputs = phrases.flatMap((p) => ['-i', p]);
    const delays = STATION_SPEECH.map((s, i) => `[${i}:a]adelay=${s.atMs}|${s.atMs}[d${i}]`).join(';');
    const mix = `${STATION_SPEECH.map((_, i) => `[d${i}]`).join('')}amix=inputs=${STATION_SPEECH.length}:normalize=0,apad=whole_dur=${STATION_DURATION_MS / 1000}[a]`;
    ffmpeg([
      ...inputs,
      '-filter_complex',
      `${delays};${mix}`,
      '-map',
      '[a]',
      '-ar',
      '16000',
      '-ac',
      '1',
      out,
    ]);
  });
}

type Container = 'mp4' | 'webm' | 'mov' | 'mkv';
const CODECS: Record<Container, string[]> = {
  mp4: [
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-movflags',
    '+faststart',
  ],
  webm: ['-c:v', 'libvpx', '-b:v', '400k', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus'],
  mov: ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'],
  mkv: ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'libopus'],
};

/**
 * The 60 s station video: STATION_SCENES drawn over their intervals and
 * STATION_SPEECH spoken at its times. `audio: false` makes it video-only.
 */
export function stationVideo(options: { container?: Container; audio?: boolean } = {}): string {
  const container = options.container ?? 'mp4';
  const audio = options.audio ?? true;
  return cached(`station${audio ? '' : '-silent'}.${container}`, (out) => {
    const n = STATION_SCENES.length;
    const video = `${STATION_SCENES.map((_, i) => `[${i}:v]`).join('')}concat=n=${n}:v=1:a=0,${drawtextFilter(STATION_SCENES)},format=yuv420p[v]`;
    const audioArgs = audio ? ['-i', stationAudioWav()] : [];
    const maps = audio ? ['-map', '[v]', '-map', `${n}:a`] : ['-map', '[v]'];
    const codecs = audio
      ? CODECS[container]
      : CODECS[container].filter((_, i, a) => !a[i - 1]?.startsWith('-c:a') && !a[i]?.startsWith('-c:a'));
    ffmpeg([
      ...backgroundInputs(STATION_SCENES, STATION_SIZE),
      ...audioArgs,
      '-filter_complex',
      video,
      ...maps,
      ...codecs,
      '-t',
      `${STATION_DURATION_MS / 1000}`,
      out,
    ]);
  });
}

/** The station soundtrack alone, as AAC in M4A (an audio-only upload). */
export function stationAudioOnly(): string {
  return cached('station-audio.m4a', (out) => ffmpeg(['-i', stationAudioWav(), '-c:a', 'aac', out]));
}

/** A short clip (`seconds` long, default 6) of the first two scenes squeezed: quick to ingest. */
export function shortVideo(seconds = 6): string {
  return cached(`short-${seconds}s.mp4`, (out) => {
    const half = (seconds * 1000) / 2;
    const scenes: VideoScene[] = [
      { ...(STATION_SCENES[0] as VideoScene), startMs: 0, endMs: half },
      { ...(STATION_SCENES[3] as VideoScene), startMs: half, endMs: seconds * 1000 },
    ];
    const video = `[0:v][1:v]concat=n=2:v=1:a=0,${drawtextFilter(scenes)},format=yuv420p[v]`;
    ffmpeg([
      ...backgroundInputs(scenes, STATION_SIZE),
      '-i',
      phraseWav((STATION_SPEECH[0] as VideoSpeech).text, 0).path,
      '-filter_complex',
      `${video};[2:a]apad=whole_dur=${seconds}[a]`,
      '-map',
      '[v]',
      '-map',
      '[a]',
      ...CODECS.mp4,
      '-t',
      `${seconds}`,
      out,
    ]);
  });
}

/** Bad inputs, each a file on disk. */
export function badVideos(): {
  /** The station MP4 cut to its first 40 % (the index is at the front, the media data ends early). */
  truncatedMp4: string;
  /** Plain text with an .mp4 name. */
  textAsMp4: string;
  /** An empty file. */
  zeroBytes: string;
  /** A valid MP4 whose only stream holds no frame (0 s). */
  zeroSeconds: string;
} {
  const truncatedMp4 = cached('truncated.mp4', (out) => {
    const whole = readFileSync(stationVideo());
    writeFileSync(out, whole.subarray(0, Math.floor(whole.length * 0.4)));
  });
  const textAsMp4 = cached('text.mp4', (out) =>
    writeFileSync(out, 'This is not a video. It is a note that somebody named .mp4 by mistake.\n'.repeat(40)),
  );
  const zeroBytes = cached('empty.mp4', (out) => writeFileSync(out, ''));
  const zeroSeconds = cached('zero-seconds.mp4', (out) =>
    ffmpeg(['-f', 'lavfi', '-i', 'color=c=red:s=160x120:r=10', '-frames:v', '0', '-c:v', 'libx264', out]),
  );
  return { truncatedMp4, textAsMp4, zeroBytes, zeroSeconds };
}

/** Every test video above, made now if missing (the test set-up calls this once); returns their paths. */
export function allTestVideos(): string[] {
  return [
    stationVideo(),
    stationVideo({ container: 'webm' }),
    stationVideo({ container: 'mkv' }),
    stationVideo({ container: 'mov' }),
    stationVideo({ audio: false }),
    stationAudioOnly(),
    shortVideo(),
    ...Object.values(badVideos()),
  ];
}
