import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteRolesFromEnv } from '../../models/remote/fromEnv.js';
import { OpenAiLlm } from '../../models/remote/openaiLlm.js';
import { OpenAiStt } from '../../models/remote/openaiStt.js';
import { OpenAiTts } from '../../models/remote/openaiTts.js';
import { collect } from '../helpers/collect.js';
import { OpenAiTestServer } from '../helpers/openAiServer.js';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await OpenAiTestServer.start();
});
afterAll(() => server.close());

const configError = (words: string) => ({ code: 'ERR_CONFIG', message: expect.stringContaining(words) });

describe('remoteRolesFromEnv', () => {
  it('keeps every role local when no BASE_URL is set', () => {
    expect(remoteRolesFromEnv({ PATH: '/usr/bin' })).toEqual({
      llm: null,
      stt: null,
      tts: null,
      describe: {},
    });
  });

  it('makes each role with a BASE_URL remote, and describes it without the key or user info', () => {
    const roles = remoteRolesFromEnv({
      LLM_BASE_URL: 'http://gpu-box:8000/v1/',
      LLM_MODEL: 'Qwen/Qwen2.5-VL-7B-Instruct',
      LLM_API_KEY: 'sk-llm-secret',
      STT_BASE_URL: 'https://user:pw@speech.example/v1',
      STT_MODEL: 'whisper-1',
      TTS_BASE_URL: 'http://127.0.0.1:8880/v1',
      TTS_MODEL: 'kokoro',
      TTS_VOICE: 'af_heart',
    });
    expect(roles.llm).toBeInstanceOf(OpenAiLlm);
    expect(roles.stt).toBeInstanceOf(OpenAiStt);
    expect(roles.tts).toBeInstanceOf(OpenAiTts);
    expect(roles.llm!.name).toBe('openai:Qwen/Qwen2.5-VL-7B-Instruct');
    expect(roles.describe).toEqual({
      llm: 'openai:Qwen/Qwen2.5-VL-7B-Instruct@http://gpu-box:8000/v1',
      stt: 'openai:whisper-1@https://speech.example/v1',
      tts: 'openai:kokoro@http://127.0.0.1:8880/v1',
    });
    expect(JSON.stringify(roles.describe)).not.toMatch(/secret|pw/);
  });

  it('builds roles that talk to the server with the configured model, key and voice', async () => {
    const roles = remoteRolesFromEnv({
      LLM_BASE_URL: server.baseUrl,
      LLM_MODEL: 'llm-x',
      LLM_API_KEY: 'sk-llm',
      TTS_BASE_URL: server.baseUrl,
      TTS_MODEL: 'tts-x',
      TTS_VOICE: 'echo',
      TTS_SAMPLE_RATE_HZ: '24000',
    });
    await collect(
      roles.llm!.generate([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], { maxNewTokens: 1 }),
    );
    expect(server.requests.at(-1)!.body.model).toBe('llm-x');
    expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer sk-llm');
    await collect(roles.tts!.synthesize('Hi there.'));
    expect(server.requests.at(-1)!.body).toMatchObject({ model: 'tts-x', voice: 'echo' });
    expect(server.requests.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('BASE_URL without MODEL: ERR_CONFIG naming the variable', () => {
    expect(() => remoteRolesFromEnv({ STT_BASE_URL: 'http://h:1/v1' })).toThrow(
      expect.objectContaining(configError('STT_MODEL')),
    );
    expect(() => remoteRolesFromEnv({ LLM_BASE_URL: 'http://h:1/v1', LLM_MODEL: '  ' })).toThrow(
      expect.objectContaining(configError('LLM_MODEL')),
    );
  });

  it('MODEL without BASE_URL: ERR_CONFIG (the role would silently stay local)', () => {
    expect(() => remoteRolesFromEnv({ LLM_MODEL: 'gpt-4o-mini' })).toThrow(
      expect.objectContaining(configError('LLM_BASE_URL is not')),
    );
  });

  it('an invalid or non-http URL: ERR_CONFIG naming the variable, without echoing the value', () => {
    let error: unknown;
    try {
      remoteRolesFromEnv({ TTS_BASE_URL: 'sk-pasted-here', TTS_MODEL: 'm', TTS_VOICE: 'v' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject(configError('TTS_BASE_URL is not a URL'));
    expect((error as Error).message).not.toContain('sk-pasted-here');
    expect(() => remoteRolesFromEnv({ LLM_BASE_URL: 'ftp://h/v1', LLM_MODEL: 'm' })).toThrow(
      expect.objectContaining(configError('LLM_BASE_URL must be an http')),
    );
  });

  it('a remote TTS without a voice, or with a bad rate: ERR_CONFIG naming the variable', () => {
    expect(() => remoteRolesFromEnv({ TTS_BASE_URL: 'http://h/v1', TTS_MODEL: 'm' })).toThrow(
      expect.objectContaining(configError('TTS_VOICE')),
    );
    expect(() =>
      remoteRolesFromEnv({
        TTS_BASE_URL: 'http://h/v1',
        TTS_MODEL: 'm',
        TTS_VOICE: 'v',
        TTS_SAMPLE_RATE_HZ: '24k',
      }),
    ).toThrow(expect.objectContaining(configError('TTS_SAMPLE_RATE_HZ')));
  });
});
