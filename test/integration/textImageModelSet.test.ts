import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeLlm } from '../../pipelines/testing/fakes/fakeLlm.js';
import { FakeStt } from '../../pipelines/testing/fakes/fakeStt.js';
import { FakeTts } from '../../pipelines/testing/fakes/fakeTts.js';
import { loadModelSet, type RemoteRoles } from '../../server/assistant/modelSet.js';
import { modelsCommand } from '../../server/cli/models.js';
import { loadConfig } from '../../server/config.js';
import { captureLog } from '../helpers/server.js';

const quietIo = { out: { write: () => {} }, err: { write: () => {} } };

/** LLM, STT and TTS remote and no Smart Turn, so only VAD, OCR and the text–image model read files. */
const remote = (): RemoteRoles => ({
  llm: new FakeLlm(),
  stt: new FakeStt(),
  tts: new FakeTts(),
  describe: {},
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  return 'resolved';
}

describe('TEXT_IMAGE_MODEL: the optional text–image model of the loaded set', () => {
  let root: string;
  let withSiglip: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sightline-textimage-'));
    withSiglip = join(root, 'models');
    expect(await modelsCommand(['tiny', withSiglip, 'siglip-base'], quietIo)).toBe(0);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const config = (env: Record<string, string>) => loadConfig({ SMART_TURN: 'off', ...env }).assistant;

  it('is off by default: no text–image model, none loaded', async () => {
    expect(loadConfig({}).assistant.textImageModel).toBeNull();
    const set = await loadModelSet({
      config: config({ SIGHTLINE_MODELS_DIR: withSiglip }),
      log: captureLog().log,
      remote: remote(),
    });
    expect(set.status.ready).toBe(true);
    expect(set.textImage).toBeNull();
    expect(set.status.loaded).not.toHaveProperty('textImage');
    await set.dispose();
  });

  it('a TEXT_IMAGE_MODEL that is not a text–image model is a configuration error naming the known ones', () => {
    expect(() => loadConfig({ TEXT_IMAGE_MODEL: 'whisper-base' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', message: expect.stringContaining('siglip-base') }),
    );
  });

  it('loads SigLIP from the models directory onto the set (not into the assistant roles), logged, and disposes it with the set', async () => {
    const captured = captureLog();
    const set = await loadModelSet({
      config: config({ SIGHTLINE_MODELS_DIR: withSiglip, TEXT_IMAGE_MODEL: 'siglip-base' }),
      log: captured.log,
      remote: remote(),
    });
    expect(set.status).toMatchObject({ ready: true, tinyTestModels: true });
    expect(set.status.loaded.textImage).toBe('siglip-base');
    const textImage = set.textImage;
    expect(textImage?.name).toBe('siglip-base');
    const v = await textImage?.embedText('when does the door open');
    expect(v?.length).toBe(textImage?.dims);
    expect(Math.hypot(...(v ?? []))).toBeCloseTo(1, 5);
    expect(set.models).not.toHaveProperty('textImage');
    expect(captured.at('info', 'model loaded').map((l) => l.role)).toContain('textImage');
    await set.dispose();
    expect(await codeOf(textImage?.embedText('the door') ?? Promise.resolve())).toBe('ERR_MODEL_DISPOSED');
  });

  it('missing files: nothing loads, the status names each file and a fetch command that includes the model', async () => {
    const captured = captureLog();
    const set = await loadModelSet({
      config: config({ SIGHTLINE_MODELS_DIR: join(root, 'empty'), TEXT_IMAGE_MODEL: 'siglip-base' }),
      log: captured.log,
      remote: remote(),
    });
    expect(set.models).toBeNull();
    expect(set.textImage).toBeNull();
    expect(set.status.missing).toContain('siglip-base/onnx/vision_model.onnx');
    expect(set.status.missing).toContain('siglip-base/onnx/text_model.onnx');
    expect(set.status.fetchCommand).toBe('npx sightline models pull --set default siglip-base');
    await set.dispose();
  });
});
