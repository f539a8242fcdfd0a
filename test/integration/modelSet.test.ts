import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ModelManager } from '../../models/manager/manager.js';
import { FakeLlm } from '../../pipelines/testing/fakes/fakeLlm.js';
import { FakeStt } from '../../pipelines/testing/fakes/fakeStt.js';
import { FakeTts } from '../../pipelines/testing/fakes/fakeTts.js';
import { loadModelSet } from '../../server/assistant/modelSet.js';
import { modelsCommand } from '../../server/cli/models.js';
import { loadConfig } from '../../server/config.js';
import { captureIo } from '../helpers/cliIo.js';
import { captureLog } from '../helpers/server.js';

const assistantConfig = (env: Record<string, string>) => loadConfig(env).assistant;

describe('the model set at start', () => {
  let root: string;
  let tinyDir: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sightline-modelset-'));
    tinyDir = join(root, 'tiny');
    const io = captureIo();
    expect(await modelsCommand(['tiny', tinyDir], io)).toBe(0);
    expect(io.stderr()).toMatch(/writing whisper-base → .*onnx-community\/whisper-base … done/);
    expect(io.stdout()).toContain(`SIGHTLINE_MODELS_DIR=${tinyDir} npm start`);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('models tiny DIR writes every file of the default set where the real download puts it', async () => {
    const manager = new ModelManager({ dir: tinyDir, baseUrl: 'http://127.0.0.1:1' });
    const io = captureIo();
    expect(await modelsCommand(['list'], io, manager)).toBe(0);
    expect(io.stdout()).toContain('All 24 files present.');
    expect(io.stdout()).toContain('smart-turn-v3  (turn, pipecat-ai/smart-turn-v3@main)  1/1 files');
  });

  it('loads every role from the tiny set once, logs each with its load time, and warns loudly that answers are noise', async () => {
    const captured = captureLog();
    const set = await loadModelSet({
      config: assistantConfig({ SIGHTLINE_MODELS_DIR: tinyDir }),
      log: captured.log,
    });
    try {
      expect(set.status).toEqual({
        ready: true,
        loaded: {
          vad: 'silero-vad',
          ocr: 'pp-ocrv4',
          stt: 'whisper-base',
          llm: 'smolvlm2-256m-video',
          tts: 'kokoro-82m',
          turn: 'smart-turn-v3',
          // The watch lane encodes frames with SmolVLM2's own vision encoder (shared sessions).
          vision: 'smolvlm:SmolVLM2-256M-Video-Instruct',
        },
        missing: [],
        fetchCommand: null,
        tinyTestModels: true,
      });
      const models = set.models;
      expect(models).not.toBeNull();
      expect(models?.stt.name).toBe('whisper');
      expect(models?.llm.name).toBe('smolvlm');
      expect(models?.tts.name).toBe('kokoro');
      expect(models?.turn?.name).toBe('smart-turn-v3');
      expect(models?.vision?.name).toBe(models?.llm.visionEncoder);
      const lines = captured.at('info', 'model loaded');
      expect(lines.map((l) => l.role)).toEqual(['vad', 'ocr', 'stt', 'llm', 'tts', 'turn']);
      for (const l of lines) expect(l.loadMs).toEqual(expect.any(Number));
      expect(lines.filter((l) => l.tinyTestModel).map((l) => l.model)).toEqual([
        'whisper-base',
        'smolvlm2-256m-video',
        'kokoro-82m',
        'smart-turn-v3',
      ]);
      expect(captured.at('warn', 'TINY RANDOM TEST MODELS')).toHaveLength(1);
      expect(captured.at('info', 'text to speech')[0]).toMatchObject({ engine: 'kokoro' });
      // A loaded role runs: the VAD on a second of silence.
      const vad = models?.vad.createStream();
      const probs = await vad?.process({ samples: new Int16Array(16000), sampleRateHz: 16000, ptsMs: 0 });
      expect(probs?.length).toBeGreaterThan(0);
      vad?.dispose();
    } finally {
      await set.dispose();
    }
  });

  it('missing files: no models, nothing loaded, a status naming each file and the fetch command', async () => {
    const captured = captureLog();
    const set = await loadModelSet({
      config: assistantConfig({ SIGHTLINE_MODELS_DIR: join(root, 'empty'), SIGHTLINE_MODEL_SET: 'small' }),
      log: captured.log,
      espeakInstalled: () => true,
    });
    expect(set.models).toBeNull();
    expect(set.status.ready).toBe(false);
    expect(set.status.loaded).toEqual({});
    expect(set.status.missing).toContain('whisper-tiny.en/onnx/encoder_model.onnx');
    expect(set.status.missing).toContain('smolvlm2-256m-video/onnx/decoder_model_merged.onnx');
    // Kokoro and Smart Turn are optional under `auto`: espeak-ng speaks, silence and words end turns.
    expect(set.status.missing.some((m) => m.startsWith('kokoro-82m') || m.startsWith('smart-turn'))).toBe(
      false,
    );
    expect(set.status.fetchCommand).toBe('npx sightline models pull --set small');
    expect(captured.at('info', 'model loaded')).toEqual([]);
    expect(captured.at('warn', 'models are missing')[0]).toMatchObject({
      fetchCommand: 'npx sightline models pull --set small',
    });
    expect(captured.at('info', 'text to speech')[0]).toMatchObject({ engine: 'espeak' });
    await set.dispose();
  });

  it('without espeak-ng, Kokoro is required and both are named missing', async () => {
    const set = await loadModelSet({
      config: assistantConfig({ SIGHTLINE_MODELS_DIR: join(root, 'empty') }),
      log: captureLog().log,
      espeakInstalled: () => false,
    });
    expect(set.status.missing).toContain('kokoro-82m/onnx/model.onnx');
    expect(set.status.missing).toContain('espeak-ng (the phonemizer and zero-download voice)');
    expect(set.status.fetchCommand).toBe('npx sightline models pull --set default');
    await set.dispose();
  });

  it('SMART_TURN=on requires the Smart Turn file', async () => {
    const set = await loadModelSet({
      config: assistantConfig({ SIGHTLINE_MODELS_DIR: join(root, 'empty'), SMART_TURN: 'on' }),
      log: captureLog().log,
      espeakInstalled: () => true,
    });
    expect(set.status.missing).toContain('smart-turn-v3/smart-turn-v3.2-cpu.onnx');
    await set.dispose();
  });

  it('remote roles need no local files; the set owns and disposes them', async () => {
    const remote = {
      llm: new FakeLlm(),
      stt: new FakeStt(),
      tts: new FakeTts(),
      describe: { llm: 'openai:test-model@http://127.0.0.1:1/v1', stt: 'openai:whisper-1@http://x/v1' },
    };
    const disposed = [remote.llm, remote.stt, remote.tts].map((r) => vi.spyOn(r, 'dispose'));
    const set = await loadModelSet({
      config: assistantConfig({ SIGHTLINE_MODELS_DIR: join(root, 'empty'), SMART_TURN: 'off' }),
      log: captureLog().log,
      remote,
    });
    expect(set.status.ready).toBe(true);
    expect(set.status.loaded).toEqual({
      vad: 'silero-vad',
      ocr: 'pp-ocrv4',
      stt: 'openai:whisper-1@http://x/v1',
      llm: 'openai:test-model@http://127.0.0.1:1/v1',
      tts: 'remote',
    });
    expect(set.models?.llm).toBe(remote.llm);
    expect(set.models?.turn).toBeNull();
    expect(set.status.tinyTestModels).toBe(false);
    await set.dispose();
    await set.dispose();
    for (const d of disposed) expect(d).toHaveBeenCalledTimes(1);
  });

  it('a present model that fails to load: no models, the reason logged, the verify command', async () => {
    const broken = join(root, 'broken');
    expect(await modelsCommand(['tiny', broken], captureIo())).toBe(0);
    writeFileSync(join(broken, 'onnx-community/Kokoro-82M-v1.0-ONNX/onnx/model.onnx'), 'not an onnx model');
    const captured = captureLog();
    const set = await loadModelSet({
      config: assistantConfig({ SIGHTLINE_MODELS_DIR: broken }),
      log: captured.log,
    });
    expect(set.models).toBeNull();
    expect(set.status).toMatchObject({
      ready: false,
      missing: ['kokoro-82m'],
      fetchCommand: 'npx sightline models verify --set default',
    });
    expect(set.loadErrors['kokoro-82m']).toEqual(expect.any(String));
    expect(captured.at('error', 'a model failed to load')[0]).toMatchObject({ model: 'kokoro-82m' });
    await set.dispose();
  });

  it('models tiny refuses a directory that holds a real download, and leaves it untouched', async () => {
    const real = join(root, 'real');
    const whisper = join(real, 'onnx-community/whisper-base');
    mkdirSync(whisper, { recursive: true });
    writeFileSync(join(whisper, 'config.json'), '{"real":true}');
    const io = captureIo();
    expect(await modelsCommand(['tiny', real], io)).toBe(1);
    expect(io.stderr()).toMatch(/already holds files that are not tiny test models/);
    const manager = new ModelManager({ dir: real, baseUrl: 'http://127.0.0.1:1' });
    expect(
      manager.status(manager.resolve(['whisper-base'])[0] as never).filter((s) => s.present),
    ).toHaveLength(1);
  });
});
