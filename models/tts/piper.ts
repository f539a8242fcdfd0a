import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../core/log.js';
import type { PcmChunk } from '../../core/media.js';
import { floatToInt16 } from '../audio/pcm.js';
import type { SynthesizeOptions, Tts } from '../roles/tts.js';
import { ModelError, throwIfAborted } from '../runtime/errors.js';
import { OnnxModel, type SessionThreads } from '../runtime/onnxModel.js';
import { hasSpeech, splitPcm } from './chunks.js';
import { phonemizeKeepingPunctuation } from './phonemes.js';

interface PiperConfig {
  audio: { sample_rate: number };
  espeak?: { voice?: string };
  inference?: { noise_scale?: number; length_scale?: number; noise_w?: number };
  phoneme_id_map: Record<string, number[]>;
  num_speakers?: number;
  speaker_id_map?: Record<string, number>;
}

/** Piper VITS voices: `voice.onnx` + `voice.onnx.json`. */
export class PiperTts implements Tts {
  readonly name = 'piper';
  readonly sampleRateHz: number;
  readonly #model: OnnxModel;
  readonly #config: PiperConfig;

  private constructor(model: OnnxModel, config: PiperConfig) {
    this.#model = model;
    this.#config = config;
    this.sampleRateHz = config.audio.sample_rate;
  }

  static async load(
    onnxPath: string,
    options: { threads?: SessionThreads; log?: Logger } = {},
  ): Promise<PiperTts> {
    let config: PiperConfig;
    try {
      config = JSON.parse(await readFile(`${onnxPath}.json`, 'utf8')) as PiperConfig;
    } catch (error) {
      throw new ModelError('ERR_MODEL_MISSING', `no readable ${onnxPath}.json next to the voice`, {
        cause: error,
      });
    }
    if (!config.phoneme_id_map || !config.audio?.sample_rate) {
      throw new ModelError('ERR_MODEL_LOAD', `${onnxPath}.json lacks phoneme_id_map or audio.sample_rate`);
    }
    return new PiperTts(await OnnxModel.load('piper', onnxPath, options), config);
  }

  /** Piper's ids: `^`, then each phoneme followed by the pad `_`, then `$`; unknown phonemes are skipped. */
  ids(phonemes: string): number[] {
    const map = this.#config.phoneme_id_map;
    const one = (p: string) => map[p] ?? [];
    const pad = one('_');
    const ids = [...one('^'), ...pad];
    for (const ch of Array.from(phonemes.normalize('NFD'))) {
      const id = map[ch];
      if (id) ids.push(...id, ...pad);
    }
    ids.push(...one('$'));
    return ids;
  }

  async *synthesize(text: string, options: SynthesizeOptions = {}): AsyncGenerator<PcmChunk> {
    const inf = this.#config.inference ?? {};
    const multi = (this.#config.num_speakers ?? 1) > 1;
    const speaker = options.voice
      ? (this.#config.speaker_id_map?.[options.voice] ?? Number(options.voice))
      : 0;
    if (multi && !Number.isInteger(speaker))
      throw new ModelError('ERR_MODEL_INPUT', `unknown speaker "${options.voice}"`);
    if (!hasSpeech(text)) return;
    throwIfAborted(options.signal);
    const phonemes = await phonemizeKeepingPunctuation(
      text,
      this.#config.espeak?.voice ?? 'en-us',
      options.signal,
    );
    const ids = this.ids(phonemes);
    const feeds: Record<string, ort.Tensor> = {
      input: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
      input_lengths: new ort.Tensor('int64', BigInt64Array.from([BigInt(ids.length)]), [1]),
      scales: new ort.Tensor(
        'float32',
        [inf.noise_scale ?? 0.667, (inf.length_scale ?? 1) / (options.speed ?? 1), inf.noise_w ?? 0.8],
        [3],
      ),
    };
    if (multi) feeds.sid = new ort.Tensor('int64', BigInt64Array.from([BigInt(speaker)]), [1]);
    const out = await this.#model.run(feeds, { signal: options.signal });
    const wave = out.output ?? Object.values(out)[0];
    if (!wave) throw new ModelError('ERR_MODEL_RUN', 'piper: no output');
    for (const chunk of splitPcm(floatToInt16(wave.data as Float32Array), this.sampleRateHz)) {
      throwIfAborted(options.signal);
      yield chunk;
    }
  }

  dispose(): Promise<void> {
    return this.#model.dispose();
  }
}
