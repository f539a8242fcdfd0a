import { mulberry32 } from '../../models/runtime/random.js';

/** A synthetic talker: a harmonic voice with moving formants, syllables, words and pauses. */
export interface Voice {
  /** Mean pitch. */
  f0Hz: number;
  /** Syllables per second while talking. */
  syllableRateHz: number;
  /** Vowels as formant triplets (F1, F2, F3) in Hz; each syllable picks one. */
  vowels: readonly (readonly [number, number, number])[];
  /** Seed of every random choice (syllable lengths, vowels, pauses, consonant noise). */
  seed: number;
  /** RMS level over the talking parts, dBFS. */
  levelDbfs: number;
}

/** An assistant-like voice: low pitch, slower syllables. */
export const VOICE_A: Voice = {
  f0Hz: 115,
  syllableRateHz: 4,
  vowels: [
    [730, 1090, 2440],
    [270, 2290, 3010],
    [530, 1840, 2480],
    [570, 840, 2410],
    [300, 870, 2240],
  ],
  seed: 11,
  levelDbfs: -20,
};

/** A caller-like voice: higher pitch, other vowels, quicker syllables. */
export const VOICE_B: Voice = {
  f0Hz: 205,
  syllableRateHz: 5,
  vowels: [
    [850, 1220, 2810],
    [310, 2790, 3310],
    [610, 2330, 2990],
    [590, 920, 2710],
    [370, 950, 2670],
  ],
  seed: 23,
  levelDbfs: -22,
};

/** Formant bandwidths (Hz) and the spectral tilt of the glottal source. */
const CONSONANT_PARTIALS = 24;
const FORMANT_BW_HZ = [90, 110, 170] as const;

function formantGain(fHz: number, f: readonly [number, number, number]): number {
  let g = 0;
  for (let i = 0; i < 3; i++) {
    const d = (fHz - (f[i] as number)) / (FORMANT_BW_HZ[i] as number);
    g += (i === 0 ? 1 : i === 1 ? 0.6 : 0.3) / (1 + d * d);
  }
  return g / Math.sqrt(1 + fHz / 300); // about −6 dB per octave above 300 Hz
}

/**
 * `ms` of speech-like audio at `rateHz`, deterministic for a voice: words of 2–4 syllables
 * (each a raised-cosine swell of one vowel on a gliding pitch, some starting with a burst of
 * consonant noise), 120–450 ms pauses between words. The same voice and length give the same
 * sound at every rate (all of it is synthesised from frequencies, nothing is sampled noise).
 */
export function speechLike(voice: Voice, ms: number, rateHz = 16000): Float32Array {
  const n = Math.round((ms * rateHz) / 1000);
  const out = new Float32Array(n);
  const rnd = mulberry32(voice.seed);
  const noiseHz = new Float64Array(CONSONANT_PARTIALS);
  const noisePhase = new Float64Array(CONSONANT_PARTIALS);
  const maxHarmonics = 64;
  const phase = new Float64Array(maxHarmonics);
  let i = 0;
  let syllablesLeftInWord = 2 + Math.floor(rnd() * 3);
  while (i < n) {
    const sylLen = Math.round(((0.6 + 0.8 * rnd()) / voice.syllableRateHz) * rateHz);
    const vowel = voice.vowels[Math.floor(rnd() * voice.vowels.length)] as readonly [number, number, number];
    const glide = (rnd() - 0.5) * 0.25; // pitch moves ±12 % across the syllable
    const consonant = rnd() < 0.5;
    const consonantLen = Math.round(0.035 * rateHz);
    // Consonant noise as random partials (the same sound at every rate, unlike sampled noise).
    for (let p = 0; p < CONSONANT_PARTIALS; p++) {
      noiseHz[p] = 1500 + 5500 * rnd();
      noisePhase[p] = 2 * Math.PI * rnd();
    }
    for (let k = 0; k < sylLen && i < n; k++, i++) {
      const u = k / sylLen;
      const env = Math.sin(Math.PI * u) ** 2;
      const f0 = voice.f0Hz * (1 + glide * (u - 0.5));
      let v = 0;
      for (let h = 1; h <= maxHarmonics; h++) {
        const fh = h * f0;
        if (fh > 0.45 * rateHz || fh > 7000) break;
        phase[h - 1] = ((phase[h - 1] as number) + (2 * Math.PI * fh) / rateHz) % (2 * Math.PI);
        v += formantGain(fh, vowel) * Math.sin(phase[h - 1] as number);
      }
      let s = env * v;
      if (consonant && k < consonantLen) {
        let c = 0;
        for (let p = 0; p < CONSONANT_PARTIALS; p++) {
          c += Math.sin((noisePhase[p] as number) + (2 * Math.PI * (noiseHz[p] as number) * k) / rateHz);
        }
        s += (0.6 / Math.sqrt(CONSONANT_PARTIALS)) * c * Math.sin((Math.PI * k) / consonantLen);
      }
      out[i] = s;
    }
    if (--syllablesLeftInWord === 0) {
      syllablesLeftInWord = 2 + Math.floor(rnd() * 3);
      i += Math.round((0.12 + 0.33 * rnd()) * rateHz);
    }
  }
  // Scale the talking parts to the voice's level.
  let sum = 0;
  let count = 0;
  for (let j = 0; j < n; j++) {
    const v = out[j] as number;
    if (v !== 0) {
      sum += v * v;
      count++;
    }
  }
  const scale = count > 0 ? 10 ** (voice.levelDbfs / 20) / Math.sqrt(sum / count) : 0;
  for (let j = 0; j < n; j++) out[j] = (out[j] as number) * scale;
  return out;
}

/** RMS of samples [from, to) in dBFS (−Infinity for silence). */
export function rmsDbfs(x: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let j = from; j < to; j++) sum += (x[j] as number) ** 2;
  return 10 * Math.log10(sum / Math.max(1, to - from));
}
