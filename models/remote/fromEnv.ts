import { SightlineError } from '../../protocol/errors.js';
import { displayUrl } from './client.js';
import { OpenAiLlm } from './openaiLlm.js';
import { OpenAiStt } from './openaiStt.js';
import { OpenAiTts } from './openaiTts.js';

/** The roles that run on OpenAI-compatible servers; null where the role stays local. */
export interface RemoteRoles {
  llm: OpenAiLlm | null;
  stt: OpenAiStt | null;
  tts: OpenAiTts | null;
  /** Role → `openai:MODEL@BASE_URL` for each remote role (user info stripped; never the key). */
  describe: Record<string, string>;
}

type Role = 'LLM' | 'STT' | 'TTS';

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function configError(message: string): SightlineError {
  return new SightlineError('ERR_CONFIG', message);
}

/** The endpoint of `role` when `${role}_BASE_URL` is set; null when the role stays local. */
function endpoint(env: NodeJS.ProcessEnv, role: Role) {
  const baseUrl = value(env, `${role}_BASE_URL`);
  const model = value(env, `${role}_MODEL`);
  if (baseUrl === undefined) {
    if (model !== undefined) {
      throw configError(
        `${role}_MODEL is set but ${role}_BASE_URL is not: set ${role}_BASE_URL to the server's API root ` +
          `(https://api.openai.com/v1 for OpenAI itself), or unset ${role}_MODEL to run the role locally`,
      );
    }
    return null;
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    // The value is not echoed: a misplaced key would end up in the log.
    throw configError(`${role}_BASE_URL is not a URL (expected e.g. http://127.0.0.1:8000/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw configError(`${role}_BASE_URL must be an http:// or https:// URL, not ${url.protocol}`);
  }
  if (model === undefined) {
    throw configError(`${role}_BASE_URL is set but ${role}_MODEL is not: name the model the server serves`);
  }
  const apiKey = value(env, `${role}_API_KEY`);
  return { baseUrl, model, ...(apiKey !== undefined ? { apiKey } : {}) };
}

/** A positive integer from `name`, or undefined when it is not set. */
function positiveInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = value(env, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw configError(`${name} must be a positive whole number, not "${v}"`);
  return n;
}

/**
 * The roles to run on OpenAI-compatible servers, from the environment. A role
 * is remote when `{LLM,STT,TTS}_BASE_URL` is set; it then needs `…_MODEL`
 * (and TTS a `TTS_VOICE`), takes an optional `…_API_KEY`, and TTS an optional
 * `TTS_SAMPLE_RATE_HZ` (the rate of its server's raw pcm, default 24000).
 * Every mistake is ERR_CONFIG naming the variable.
 */
export function remoteRolesFromEnv(env: NodeJS.ProcessEnv): RemoteRoles {
  const llmAt = endpoint(env, 'LLM');
  const sttAt = endpoint(env, 'STT');
  const ttsAt = endpoint(env, 'TTS');
  const describe: Record<string, string> = {};
  const named = (role: string, at: { baseUrl: string; model: string }) => {
    describe[role] = `openai:${at.model}@${displayUrl(at.baseUrl)}`;
  };
  if (llmAt) named('llm', llmAt);
  if (sttAt) named('stt', sttAt);
  let tts: OpenAiTts | null = null;
  if (ttsAt) {
    const voice = value(env, 'TTS_VOICE');
    if (voice === undefined) {
      throw configError('TTS_BASE_URL is set but TTS_VOICE is not: name one of the voices the server has');
    }
    const sampleRateHz = positiveInt(env, 'TTS_SAMPLE_RATE_HZ');
    tts = new OpenAiTts({ ...ttsAt, voice, ...(sampleRateHz !== undefined ? { sampleRateHz } : {}) });
    named('tts', ttsAt);
  }
  return {
    llm: llmAt ? new OpenAiLlm(llmAt) : null,
    stt: sttAt ? new OpenAiStt(sttAt) : null,
    tts,
    describe,
  };
}
