import { execFileSync } from 'node:child_process';
import { mulberry32 } from '../../models/runtime/random.js';
import { readWav } from './fixtures.js';

/** Real read speech from Debian's pocketsphinx-testdata (LibriVox, 16 kHz mono). */
export const LIBRIVOX_WAV =
  '/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav';

/** Reads any audio file as 16 kHz mono floats (sox resamples). */
export function read16k(path: string): Float32Array {
  const raw = execFileSync('sox', [
    path,
    '-t',
    'raw',
    '-r',
    '16000',
    '-c',
    '1',
    '-b',
    '16',
    '-e',
    'signed-integer',
    '-',
  ]);
  const pcm = new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
  return Float32Array.from(pcm, (v) => v / 32768);
}

/** A sine at `hz`, `amplitude` peak, 16 kHz. */
export function sine(hz: number, ms: number, amplitude = 0.5, rate = 16000): Float32Array {
  return Float32Array.from(
    { length: (rate * ms) / 1000 },
    (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate),
  );
}

/** Seeded white noise (mulberry32), `amplitude` peak. */
export function whiteNoise(ms: number, amplitude = 0.1, seed = 1, rate = 16000): Float32Array {
  const rnd = mulberry32(seed);
  return Float32Array.from({ length: (rate * ms) / 1000 }, () => (rnd() * 2 - 1) * amplitude);
}

export { readWav };
