import { describe, expect, it } from 'vitest';
import { SightlineError } from '../../../protocol/errors.js';
import { ConfigError, loadConfig } from '../../../server/config.js';

describe('loadConfig', () => {
  it('uses the defaults for unset variables', () => {
    const c = loadConfig({});
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.limits.requestTimeoutMs).toBe(10000);
  });

  it.each([
    ['PORT', 'a random port'],
    ['HOST', 'every interface'],
    ['MEDIA_ANNOUNCED_ADDRESS', 'announcing an empty address'],
  ])('refuses %s set but empty instead of falling back to %s', (name) => {
    expect(() => loadConfig({ [name]: '' })).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG',
        message: `invalid configuration: ${name} set but empty; unset for the default`,
      }),
    );
    expect(() => loadConfig({ [name]: '  ' })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
  });

  it('reports a bad value as ERR_CONFIG naming the variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(SightlineError);
    expect(error).toMatchObject({
      code: 'ERR_CONFIG',
      message: expect.stringMatching(/^invalid configuration: PORT: /),
    });
  });

  it('reads the resume window: 20 s by default, 0 (no resume) allowed, negative or over 10 min refused', () => {
    expect(loadConfig({}).limits.resumeWindowMs).toBe(20_000);
    expect(loadConfig({ CALL_RESUME_WINDOW_MS: '0' }).limits.resumeWindowMs).toBe(0);
    expect(loadConfig({ CALL_RESUME_WINDOW_MS: '1500' }).limits.resumeWindowMs).toBe(1500);
    for (const bad of ['-1', '600001', 'soon']) {
      expect(() => loadConfig({ CALL_RESUME_WINDOW_MS: bad })).toThrow(
        expect.objectContaining({
          code: 'ERR_CONFIG',
          message: expect.stringContaining('CALL_RESUME_WINDOW_MS'),
        }),
      );
    }
  });

  it('reports inconsistent settings as ERR_CONFIG', () => {
    expect(() => loadConfig({ RTC_MIN_PORT: '5000', RTC_MAX_PORT: '4000' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', message: 'RTC_MIN_PORT must be below RTC_MAX_PORT' }),
    );
  });

  describe('the assistant model set', () => {
    it('defaults: the default set, auto TTS and Smart Turn, the models dir of the manager', () => {
      const a = loadConfig({ XDG_CACHE_HOME: '/cache' }).assistant;
      expect(a).toMatchObject({
        modelSet: 'default',
        modelsDir: '/cache/sightline/models',
        modelsBaseUrl: 'https://huggingface.co',
        ttsEngine: 'auto',
        ttsVoice: null,
        piperVoicePath: null,
        smartTurn: 'auto',
      });
      expect(a.threads.stt).toBeGreaterThanOrEqual(1);
      expect(a.threads.turn).toBe(1);
    });

    it('reads the set, the dir, the TTS engine and voice, Smart Turn and thread counts', () => {
      const a = loadConfig({
        SIGHTLINE_MODEL_SET: 'large',
        SIGHTLINE_MODELS_DIR: '/m',
        HF_ENDPOINT: 'http://mirror/',
        TTS_ENGINE: 'espeak',
        TTS_VOICE: 'en-gb',
        SMART_TURN: 'off',
        MODEL_THREADS: '3',
        LLM_THREADS: '4',
      }).assistant;
      expect(a).toMatchObject({
        modelSet: 'large',
        modelsDir: '/m',
        modelsBaseUrl: 'http://mirror',
        ttsEngine: 'espeak',
        ttsVoice: 'en-gb',
        smartTurn: 'off',
        threads: { stt: 3, llm: 4, tts: 3, turn: 1, ocr: 3 },
      });
      expect(loadConfig({ SMART_TURN: 'on' }).assistant.smartTurn).toBe('on');
      expect(loadConfig({ SMART_TURN: '0' }).assistant.smartTurn).toBe('off');
    });

    it.each([
      [
        { SIGHTLINE_MODEL_SET: 'huge' },
        /SIGHTLINE_MODEL_SET=huge is not a model set \(known: default, small, large\)/,
      ],
      [{ TTS_ENGINE: 'say' }, /^invalid configuration: TTS_ENGINE: /],
      [{ TTS_ENGINE: 'piper' }, /TTS_ENGINE=piper needs PIPER_VOICE/],
      [{ SMART_TURN: 'maybe' }, /^invalid configuration: SMART_TURN: /],
      [{ LLM_THREADS: '0' }, /^invalid configuration: LLM_THREADS: /],
      [{ SIGHTLINE_MODELS_DIR: '' }, /SIGHTLINE_MODELS_DIR set but empty/],
    ])('refuses %j with ERR_CONFIG', (env, message) => {
      expect(() => loadConfig(env)).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG', message: expect.stringMatching(message) }),
      );
    });

    it('accepts piper with its voice path', () => {
      expect(loadConfig({ TTS_ENGINE: 'piper', PIPER_VOICE: '/v/en.onnx' }).assistant).toMatchObject({
        ttsEngine: 'piper',
        piperVoicePath: '/v/en.onnx',
      });
    });
  });

  describe('video', () => {
    it('defaults: the data dir under XDG_DATA_HOME (else ~/.local/share), 2 GiB uploads, 3 h, 10 GiB quota, one ingest, no Redis', () => {
      expect(loadConfig({ XDG_DATA_HOME: '/data' }).video).toEqual({
        fps: 1,
        dataDir: '/data/sightline',
        maxUploadBytes: 2 * 1024 ** 3,
        maxDurationMs: 3 * 3600 * 1000,
        quotaBytes: 10 * 1024 ** 3,
        ingestConcurrency: 1,
        redisUrl: null,
      });
      expect(loadConfig({}).video.dataDir).toMatch(/\/\.local\/share\/sightline$/);
    });

    it('reads every variable, and refuses a bad one or INGEST_CONCURRENCY=0 without Redis', () => {
      const v = loadConfig({
        SIGHTLINE_DATA_DIR: '/srv/s',
        VIDEO_MAX_UPLOAD_BYTES: '1000',
        VIDEO_MAX_DURATION_MS: '60000',
        VIDEO_QUOTA_BYTES: '5000',
        INGEST_CONCURRENCY: '0',
        REDIS_URL: 'redis://127.0.0.1:6379',
      }).video;
      expect(v).toMatchObject({
        dataDir: '/srv/s',
        maxUploadBytes: 1000,
        maxDurationMs: 60000,
        quotaBytes: 5000,
        ingestConcurrency: 0,
        redisUrl: 'redis://127.0.0.1:6379',
      });
      expect(() => loadConfig({ INGEST_CONCURRENCY: '0' })).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG' }),
      );
      expect(() => loadConfig({ VIDEO_QUOTA_BYTES: 'lots' })).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG' }),
      );
      expect(() => loadConfig({ REDIS_URL: 'not a url' })).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG' }),
      );
    });
  });
});
