// transformers.js as a dev-only reference implementation, configured as the real models' files configure it.
import {
  type AutomaticSpeechRecognitionPipeline,
  env,
  Idefics3ImageProcessor,
  pipeline,
  WhisperFeatureExtractor,
} from '@huggingface/transformers';

/** WhisperFeatureExtractor with every Whisper's preprocessor_config.json (80 mels). */
export function whisperFeatureOracle(): WhisperFeatureExtractor {
  return new WhisperFeatureExtractor({
    feature_size: 80,
    sampling_rate: 16000,
    hop_length: 160,
    chunk_length: 30,
    n_fft: 400,
    padding_value: 0,
    n_samples: 480000,
    nb_max_frames: 3000,
  });
}

/** SmolVLM2-256M/500M's preprocessor_config.json: 512² tiles, 2048 longest edge. */
export const SMOLVLM_PREPROCESSOR = {
  do_convert_rgb: true,
  do_image_splitting: true,
  do_normalize: true,
  do_pad: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.5, 0.5, 0.5],
  image_std: [0.5, 0.5, 0.5],
  max_image_size: { longest_edge: 512 },
  resample: 1,
  rescale_factor: 1 / 255,
  size: { longest_edge: 2048 },
};

/** Idefics3ImageProcessor with a SmolVLM2 preprocessor_config.json (default: the 256M's). */
export function idefics3Oracle(
  config: typeof SMOLVLM_PREPROCESSOR = SMOLVLM_PREPROCESSOR,
): Idefics3ImageProcessor {
  return new Idefics3ImageProcessor(config);
}

/** transformers.js's ASR pipeline on a local model directory (no network). */
export async function whisperAsrOracle(dir: string): Promise<AutomaticSpeechRecognitionPipeline> {
  env.allowRemoteModels = false;
  env.localModelPath = `${dir.slice(0, dir.lastIndexOf('/'))}/`;
  return (await pipeline('automatic-speech-recognition', dir.slice(dir.lastIndexOf('/') + 1), {
    dtype: 'fp32',
    local_files_only: true,
  })) as AutomaticSpeechRecognitionPipeline;
}

/** Greedy tokens transformers.js generates after the 4-token no-timestamps prompt. */
export async function oracleTokens(
  asr: AutomaticSpeechRecognitionPipeline,
  audio: Float32Array,
  maxNewTokens: number,
): Promise<number[]> {
  const features = (await asr.processor(audio)).input_features;
  const ids = await asr.model.generate({
    inputs: features,
    language: 'en',
    task: 'transcribe',
    return_timestamps: false,
    max_new_tokens: maxNewTokens,
  } as Record<string, unknown>);
  return Array.from((ids as unknown as { data: ArrayLike<bigint> }).data, Number).slice(4);
}
