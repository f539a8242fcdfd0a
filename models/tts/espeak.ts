import { spawn } from 'node:child_process';
import type { PcmChunk } from '../../core/media.js';
import type { SynthesizeOptions, Tts } from '../roles/tts.js';
import { ModelError, throwIfAborted } from '../runtime/errors.js';
import { hasSpeech, splitPcm } from './chunks.js';

/** The Debian `espeak-ng` program (a subprocess: its library's WASM build is GPL-3.0). */
export const ESPEAK_BIN = process.env.ESPEAK_NG_BIN ?? 'espeak-ng';

/**
 * Text as espeak-ng may be given it: control characters (a model can write NUL
 * and friends; a process argument cannot hold NUL) become spaces.
 */
export function speakableText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f\p{Cs}]/gu, ' ');
}

function run(args: string[], signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(ESPEAK_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') reject(new ModelError('ERR_ABORTED', 'the operation was aborted'));
      else if (e.code === 'ENOENT')
        reject(new ModelError('ERR_MODEL_MISSING', 'espeak-ng is not installed (apt-get install espeak-ng)'));
      else reject(e);
    });
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else
        reject(
          new ModelError(
            'ERR_MODEL_RUN',
            `espeak-ng exited ${code}: ${Buffer.concat(err).toString().trim()}`,
          ),
        );
    });
  });
}

/** IPA phonemes of `text` from espeak-ng (what Kokoro and Piper were trained on); clauses joined by spaces. */
export async function phonemize(text: string, voice = 'en-us', signal?: AbortSignal): Promise<string> {
  // "--" ends options, so text starting with "-" is never taken for a flag.
  const out = await run(['-q', '--ipa', '-v', voice, '--', speakableText(text)], signal);
  return out.toString('utf8').replace(/\s+/g, ' ').trim();
}

/** Parses espeak-ng's streamed WAV (its RIFF sizes are placeholders): finds `data` and reads to the end. */
export function parseStreamedWav(buf: Buffer): { pcm: Int16Array; sampleRateHz: number } {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new ModelError('ERR_MODEL_RUN', 'espeak-ng did not produce a WAV stream');
  }
  let off = 12;
  let rate = 0;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') rate = buf.readUInt32LE(off + 12);
    if (id === 'data') {
      const bytes = buf.subarray(off + 8, off + 8 + (buf.length - off - 8 - ((buf.length - off - 8) % 2)));
      const pcm = new Int16Array(bytes.length / 2);
      for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(i * 2);
      return { pcm, sampleRateHz: rate };
    }
    off += 8 + size + (size % 2);
  }
  throw new ModelError('ERR_MODEL_RUN', 'espeak-ng WAV has no data chunk');
}

/** The zero-download voice: espeak-ng's formant synthesiser, one subprocess per text. */
export class EspeakTts implements Tts {
  readonly name = 'espeak-ng';
  readonly sampleRateHz = 22050;
  readonly #voice: string;

  constructor(voice = 'en-us') {
    this.#voice = voice;
  }

  async *synthesize(text: string, options: SynthesizeOptions = {}): AsyncGenerator<PcmChunk> {
    if (!hasSpeech(text)) return;
    throwIfAborted(options.signal);
    const wpm = Math.round(175 * (options.speed ?? 1));
    const wav = await run(
      ['-v', options.voice ?? this.#voice, '-s', String(wpm), '--stdout', '--', speakableText(text)],
      options.signal,
    );
    const { pcm, sampleRateHz } = parseStreamedWav(wav);
    for (const chunk of splitPcm(pcm, sampleRateHz)) {
      throwIfAborted(options.signal);
      yield chunk;
    }
  }

  async dispose(): Promise<void> {}
}
