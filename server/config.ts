import { randomBytes } from 'node:crypto';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { LogLevel } from '../core/log.js';
import { managerOptionsFromEnv } from '../models/manager/manager.js';
import { MODEL_SETS, MODELS } from '../models/manager/manifest.js';
import { SightlineError } from '../protocol/errors.js';

/** Everything the server reads from its environment, validated once at start-up. */
export interface Config {
  http: { host: string; port: number };
  auth: {
    /** `dev` issues tokens to anyone (local use); `hmac` requires the API key to issue them. */
    mode: 'dev' | 'hmac';
    secret: Buffer;
    apiKey: string | null;
    tokenTtlMs: number;
  };
  media: {
    workers: number;
    rtcMinPort: number;
    rtcMaxPort: number;
    listenIp: string;
    announcedAddress: string | null;
    enableTcp: boolean;
    /** Keep the assistant's audio stream going with silence between replies (RETURN_AUDIO_IDLE_SILENCE). */
    idleSilence: boolean;
  };
  /** Live video tracks in calls (VIDEO_FPS) and uploaded-video Q&A. */
  video: VideoConfig;
  limits: {
    maxCalls: number;
    wsHeartbeatMs: number;
    requestTimeoutMs: number;
    /**
     * How long a call outlives its dropped WebSocket, waiting for `resume` (CALL_RESUME_WINDOW_MS);
     * 0: no resume, the call closes with its socket.
     */
    resumeWindowMs: number;
  };
  log: { level: LogLevel; content: boolean };
  assistant: AssistantConfig;
}

/** Uploaded videos: where they live, their limits and the ingest queue. */
export interface VideoConfig {
  /** Frames per second sampled from a call's camera track (VIDEO_FPS). */
  fps: number;
  /** Holds `sightline.db`, `videos/` and `uploads/` (SIGHTLINE_DATA_DIR). */
  dataDir: string;
  /** Largest upload accepted (VIDEO_MAX_UPLOAD_BYTES). */
  maxUploadBytes: number;
  /** Longest video ingested (VIDEO_MAX_DURATION_MS). */
  maxDurationMs: number;
  /** Bytes one owner may hold: uploads, frames and features (VIDEO_QUOTA_BYTES). */
  quotaBytes: number;
  /** Ingests run at once by this process (INGEST_CONCURRENCY); 0 with REDIS_URL: only worker processes ingest. */
  ingestConcurrency: number;
  /** BullMQ on this Redis when set; the in-process queue when null (REDIS_URL). */
  redisUrl: string | null;
}

/** Which text-to-speech engine speaks; `auto`: Kokoro when its files are present, else espeak-ng. */
export type TtsEngineChoice = 'auto' | 'kokoro' | 'piper' | 'espeak';

/** The model set the assistant loads at start (shared by every call). */
export interface AssistantConfig {
  /** A set of the model manager (`default`, `small`, `large`). */
  modelSet: string;
  /** Where downloaded models live (`<dir>/<repo>/<file>`). */
  modelsDir: string;
  /** Where `models pull` fetches from (Hugging Face or a mirror). */
  modelsBaseUrl: string;
  ttsEngine: TtsEngineChoice;
  /** A voice id of the engine (Kokoro voice file, espeak-ng voice); null: the engine's default. */
  ttsVoice: string | null;
  /** The Piper voice's `.onnx` path (its `.onnx.json` beside it); needed for TTS_ENGINE=piper. */
  piperVoicePath: string | null;
  /** Smart Turn v3: `auto` uses it when its file is present; `on` requires it. */
  smartTurn: 'auto' | 'on' | 'off';
  /** onnxruntime intra-op threads per model session. */
  threads: { stt: number; llm: number; tts: number; turn: number; ocr: number };
  /** Most tokens one answer may have (LLM_MAX_NEW_TOKENS). */
  maxNewTokens: number;
  /** Speech over the assistant this long interrupts it, unless it is a backchannel (BARGE_IN_MIN_SPEECH_MS). */
  bargeInMinSpeechMs: number;
  /**
   * The text–image model (a manifest id of role `text-image`, e.g. `siglip-base`) that ranks frames of
   * uploaded videos by similarity to a question (TEXT_IMAGE_MODEL); null: none, text search only.
   */
  textImageModel: string | null;
}

const port = z.coerce.number().int().min(1).max(65535);
const bool = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const threads = z.coerce.number().int().min(1).max(64);

const schema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  AUTH_MODE: z.enum(['dev', 'hmac']).default('dev'),
  TOKEN_SECRET: z.string().min(32).optional(),
  API_KEY: z.string().min(16).optional(),
  TOKEN_TTL_S: z.coerce.number().int().min(10).max(86400).default(3600),
  MEDIASOUP_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  RTC_MIN_PORT: port.default(40000),
  RTC_MAX_PORT: port.default(49999),
  MEDIA_LISTEN_IP: z.string().default('127.0.0.1'),
  MEDIA_ANNOUNCED_ADDRESS: z.string().optional(),
  MEDIA_TCP: bool.default(true),
  RETURN_AUDIO_IDLE_SILENCE: bool.default(false),
  VIDEO_FPS: z.coerce.number().min(0.1).max(5).default(1),
  SIGHTLINE_DATA_DIR: z.string().optional(),
  VIDEO_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(2 * 1024 ** 3),
  VIDEO_MAX_DURATION_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(3 * 3600 * 1000),
  VIDEO_QUOTA_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(10 * 1024 ** 3),
  INGEST_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(1),
  REDIS_URL: z.string().url().optional(),
  MAX_CALLS: z.coerce.number().int().min(1).default(50),
  WS_HEARTBEAT_MS: z.coerce.number().int().min(200).default(2000),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),
  CALL_RESUME_WINDOW_MS: z.coerce.number().int().min(0).max(600_000).default(20_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  LOG_CONTENT: bool.default(false),
  SIGHTLINE_MODEL_SET: z.string().default('default'),
  SIGHTLINE_MODELS_DIR: z.string().optional(),
  TTS_ENGINE: z.enum(['kokoro', 'piper', 'espeak']).optional(),
  TTS_VOICE: z.string().optional(),
  PIPER_VOICE: z.string().optional(),
  SMART_TURN: z.enum(['on', 'off', '1', '0', 'true', 'false']).optional(),
  LLM_MAX_NEW_TOKENS: z.coerce.number().int().min(1).max(4096).default(256),
  BARGE_IN_MIN_SPEECH_MS: z.coerce.number().int().min(100).max(5000).default(500),
  TEXT_IMAGE_MODEL: z.string().optional(),
  MODEL_THREADS: threads.optional(),
  STT_THREADS: threads.optional(),
  LLM_THREADS: threads.optional(),
  TTS_THREADS: threads.optional(),
});

/** The default threads per model session: two where there are two cores to spare (see ASSISTANT.md's table). */
const DEFAULT_MODEL_THREADS = Math.max(1, Math.min(2, availableParallelism()));

/** `$XDG_DATA_HOME/sightline`, else `~/.local/share/sightline`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME?.trim();
  return join(xdg ? xdg : join(homedir(), '.local', 'share'), 'sightline');
}

function smartTurnChoice(v: string | undefined): AssistantConfig['smartTurn'] {
  if (v === undefined) return 'auto';
  return v === 'on' || v === '1' || v === 'true' ? 'on' : 'off';
}

/** A configuration problem (ERR_CONFIG), reported as one readable line at start-up. */
export class ConfigError extends SightlineError {
  constructor(message: string) {
    super('ERR_CONFIG', message);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the configuration from `env`. A variable set to an empty
 * string is an error, not its default: `PORT=` would otherwise listen on a
 * random port and `HOST=` on every interface.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const empty = Object.keys(schema.shape).filter((k) => env[k]?.trim() === '');
  if (empty.length > 0) {
    throw new ConfigError(`invalid configuration: ${empty.join(', ')} set but empty; unset for the default`);
  }
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  if (e.RTC_MIN_PORT >= e.RTC_MAX_PORT) throw new ConfigError('RTC_MIN_PORT must be below RTC_MAX_PORT');
  if (e.AUTH_MODE === 'hmac' && (!e.TOKEN_SECRET || !e.API_KEY)) {
    throw new ConfigError('AUTH_MODE=hmac needs TOKEN_SECRET (32+ chars) and API_KEY (16+ chars)');
  }
  if (e.MEDIA_LISTEN_IP === '0.0.0.0' && !e.MEDIA_ANNOUNCED_ADDRESS) {
    throw new ConfigError('MEDIA_LISTEN_IP=0.0.0.0 needs MEDIA_ANNOUNCED_ADDRESS (the IP browsers reach)');
  }
  if (e.INGEST_CONCURRENCY === 0 && !e.REDIS_URL) {
    throw new ConfigError(
      'INGEST_CONCURRENCY=0 (this process only enqueues) needs REDIS_URL and worker processes',
    );
  }
  if (!MODEL_SETS[e.SIGHTLINE_MODEL_SET]) {
    throw new ConfigError(
      `SIGHTLINE_MODEL_SET=${e.SIGHTLINE_MODEL_SET} is not a model set (known: ${Object.keys(MODEL_SETS).join(', ')})`,
    );
  }
  if (e.TTS_ENGINE === 'piper' && !e.PIPER_VOICE) {
    throw new ConfigError('TTS_ENGINE=piper needs PIPER_VOICE (the path of a Piper voice .onnx)');
  }
  const textImageIds = MODELS.filter((m) => m.role === 'text-image').map((m) => m.id);
  if (e.TEXT_IMAGE_MODEL !== undefined && !textImageIds.includes(e.TEXT_IMAGE_MODEL)) {
    throw new ConfigError(
      `TEXT_IMAGE_MODEL=${e.TEXT_IMAGE_MODEL} is not a text–image model (known: ${textImageIds.join(', ')})`,
    );
  }
  const manager = managerOptionsFromEnv(env);
  const modelThreads = e.MODEL_THREADS ?? DEFAULT_MODEL_THREADS;
  return {
    http: { host: e.HOST, port: e.PORT },
    auth: {
      mode: e.AUTH_MODE,
      secret: e.TOKEN_SECRET ? Buffer.from(e.TOKEN_SECRET) : randomBytes(32),
      apiKey: e.API_KEY ?? null,
      tokenTtlMs: e.TOKEN_TTL_S * 1000,
    },
    media: {
      workers: e.MEDIASOUP_WORKERS ?? availableParallelism(),
      rtcMinPort: e.RTC_MIN_PORT,
      rtcMaxPort: e.RTC_MAX_PORT,
      listenIp: e.MEDIA_LISTEN_IP,
      announcedAddress: e.MEDIA_ANNOUNCED_ADDRESS ?? null,
      enableTcp: e.MEDIA_TCP,
      idleSilence: e.RETURN_AUDIO_IDLE_SILENCE,
    },
    video: {
      fps: e.VIDEO_FPS,
      dataDir: e.SIGHTLINE_DATA_DIR ?? defaultDataDir(env),
      maxUploadBytes: e.VIDEO_MAX_UPLOAD_BYTES,
      maxDurationMs: e.VIDEO_MAX_DURATION_MS,
      quotaBytes: e.VIDEO_QUOTA_BYTES,
      ingestConcurrency: e.INGEST_CONCURRENCY,
      redisUrl: e.REDIS_URL ?? null,
    },
    limits: {
      maxCalls: e.MAX_CALLS,
      wsHeartbeatMs: e.WS_HEARTBEAT_MS,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      resumeWindowMs: e.CALL_RESUME_WINDOW_MS,
    },
    log: { level: e.LOG_LEVEL, content: e.LOG_CONTENT },
    assistant: {
      modelSet: e.SIGHTLINE_MODEL_SET,
      modelsDir: manager.dir,
      modelsBaseUrl: manager.baseUrl,
      ttsEngine: e.TTS_ENGINE ?? 'auto',
      ttsVoice: e.TTS_VOICE ?? null,
      piperVoicePath: e.PIPER_VOICE ?? null,
      smartTurn: smartTurnChoice(e.SMART_TURN),
      maxNewTokens: e.LLM_MAX_NEW_TOKENS,
      bargeInMinSpeechMs: e.BARGE_IN_MIN_SPEECH_MS,
      textImageModel: e.TEXT_IMAGE_MODEL ?? null,
      threads: {
        stt: e.STT_THREADS ?? modelThreads,
        llm: e.LLM_THREADS ?? modelThreads,
        tts: e.TTS_THREADS ?? modelThreads,
        turn: 1,
        ocr: modelThreads,
      },
    },
  };
}
