import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertMatchesRecord, type ModelFamily, modelSignature } from '../../models/contracts/contract.js';
import { bundledPpOcrPaths } from '../../models/ocr/ppocr.js';
import { OnnxModel } from '../../models/runtime/onnxModel.js';
import { SMOLVLM_TINY } from '../../models/tiny/smolvlmTiny.js';
import { WHISPER_TINY } from '../../models/tiny/whisperTiny.js';
import { bundledSileroPath } from '../../models/vad/sileroVad.js';
import { tinyModelDir } from '../helpers/tinyModels.js';

interface Case {
  family: ModelFamily;
  session: string;
  path: () => string;
  layers?: number;
}

const tiny = (name: Parameters<typeof tinyModelDir>[0], file: string) => () => join(tinyModelDir(name), file);

/** Every ONNX file the tests run: the tiny generators' and the real ones shipped in npm packages. */
const CASES: Case[] = [
  ...(['whisper', 'whisper-en', 'whisper-no-timestamp-tokens'] as const).flatMap((name) => [
    { family: 'whisper', session: 'encoder_model', path: tiny(name, 'onnx/encoder_model.onnx') } as Case,
    {
      family: 'whisper',
      session: 'decoder_model_merged',
      path: tiny(name, 'onnx/decoder_model_merged.onnx'),
      layers: WHISPER_TINY.layers,
    } as Case,
  ]),
  { family: 'smolvlm', session: 'vision_encoder', path: tiny('smolvlm', 'onnx/vision_encoder.onnx') },
  { family: 'smolvlm', session: 'embed_tokens', path: tiny('smolvlm', 'onnx/embed_tokens.onnx') },
  {
    family: 'smolvlm',
    session: 'decoder_model_merged',
    path: tiny('smolvlm', 'onnx/decoder_model_merged.onnx'),
    layers: SMOLVLM_TINY.layers,
  },
  { family: 'kokoro', session: 'model', path: tiny('kokoro', 'onnx/model.onnx') },
  { family: 'piper', session: 'voice', path: tiny('piper', 'en_US-tiny-medium.onnx') },
  { family: 'smart-turn', session: 'smart_turn', path: tiny('smart-turn', 'smart-turn-v3.2-cpu.onnx') },
  { family: 'silero-vad', session: 'silero_vad', path: bundledSileroPath },
  { family: 'ppocr', session: 'det', path: () => bundledPpOcrPaths().det },
  { family: 'ppocr', session: 'rec', path: () => bundledPpOcrPaths().rec },
];

describe('every model the tests run matches the recorded contract of the real export (models/contracts/*.json)', () => {
  it.each(
    CASES.map((c) => [`${c.family}/${c.session} (${c.path().split('/').slice(-3).join('/')})`, c] as const),
  )('%s', async (_, c) => {
    const model = await OnnxModel.load(`${c.family}/${c.session}`, c.path());
    try {
      expect(() =>
        assertMatchesRecord(c.family, c.session, modelSignature(model), { layers: c.layers }),
      ).not.toThrow();
    } finally {
      await model.dispose();
    }
  });
});
