/**
 * The public shape of the Sightline client SDK (what `connect()` returns and
 * what it emits). Implemented by client/sdk/session.ts; the call page, the
 * React hook and apps are written against these types only.
 */
import type { SightlineError } from '../../protocol/errors.js';
import type {
  AskRequest,
  AskResponse,
  IngestProgress,
  VideoAnswerEvent,
  VideoInfo,
} from '../../protocol/video.js';
import type { ModelsStatus, TurnMetrics } from '../../protocol/wire.js';
import type { VideoSendOptions } from './client.js';

/**
 * What the session is doing, as a person would say it:
 * `connecting` (signaling, ICE, DTLS), `listening` (the assistant waits or hears
 * the person), `thinking` (a turn is being answered), `speaking` (its audio
 * plays), `reconnecting` (the WebSocket or ICE dropped; the conversation is
 * kept), `closed` (hung up, or could not be resumed). `idle` before `start`.
 */
export type SessionState =
  | 'idle'
  | 'connecting'
  | 'listening'
  | 'thinking'
  | 'speaking'
  | 'reconnecting'
  | 'closed';

/** Debug output for what the SDK ignores or retries (unknown events, reconnect attempts). */
export interface SdkLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
}

/** How `connect()` reaches the server and authenticates; every field is optional. */
export interface ConnectOptions {
  /** Server base URL, e.g. `https://assistant.example.com`. Default: the page's origin. */
  url?: string;
  /** A session token from your backend (`POST /api/token` with your API key). */
  token?: string;
  /**
   * Called for a token when none is given, when the server refuses one as expired, and before
   * each reconnect; return a fresh one. Without it (and without `token`) the SDK asks the
   * server's open `POST /api/token` (dev mode), as `user` when given.
   */
  getToken?: () => Promise<string>;
  /** The user a dev-mode token is asked for (their uploaded videos follow them). */
  user?: string;
  /** Per-request timeout (default 10 000). */
  requestTimeoutMs?: number;
  /** Play the assistant through an `<audio>` element the SDK manages (default true). */
  autoPlay?: boolean;
  /** Reconnect after a WebSocket cut or an ICE failure (default on: the first attempt at once, 6 over ~16 s, inside the server's 20 s resume window). */
  reconnect?: { enabled?: boolean; maxAttempts?: number; baseDelayMs?: number };
  logger?: SdkLogger;
}

/** Which devices to use; ids from `navigator.mediaDevices.enumerateDevices()`. */
export interface DeviceChoice {
  microphoneId?: string;
  cameraId?: string;
}

/** What `start()` publishes: microphone, camera or screen, which devices, and push-to-talk. */
export interface StartOptions {
  /** Publish the microphone (default true). */
  audio?: boolean | MediaTrackConstraints;
  /** Publish the camera (default true); `'screen'` shares the screen instead (the assistant reads it). */
  video?: boolean | MediaTrackConstraints | 'screen';
  devices?: DeviceChoice;
  /** Push-to-talk: the microphone is sent only between `talk(true)` and `talk(false)`. */
  pushToTalk?: boolean;
  /** How the camera is sent (start and ceiling bitrate, keep resolution); the defaults suit a webcam. */
  videoSend?: VideoSendOptions;
}

/** A tool the app runs itself; the assistant calls it by name with JSON arguments matching `parameters`. */
export type ToolHandler = (args: Record<string, unknown>, context: { signal: AbortSignal }) => unknown;

/** How a client tool is described to the model and how long its handler may take. */
export interface ToolOptions {
  description: string;
  /** Longest the handler may take before the SDK answers the server with a timeout (default 10 000). */
  timeoutMs?: number;
}

/** The person's words: partials while they speak (may change), then one final per utterance. */
export interface UserTranscript {
  utteranceId: string;
  text: string;
  final: boolean;
  startMs: number;
  endMs: number;
}

/** The assistant's words in step with its audio: everything heard so far in this turn; the final one is cut where interrupted. */
export interface AssistantText {
  turnId: string;
  text: string;
  final: boolean;
  playedMs: number;
  interrupted: boolean;
}

/** A client tool the assistant called, its arguments, and how the call ended. */
export interface ToolCallEvent {
  callId: string;
  name: string;
  arguments: unknown;
  /** How it ended for the server: its result, or a typed failure (`ERR_TOOL_FAILED`, `ERR_TOOL_TIMEOUT`). */
  outcome:
    | { ok: true; result: unknown }
    | { ok: false; code: 'ERR_TOOL_FAILED' | 'ERR_TOOL_TIMEOUT'; error: string };
}

/** Events of a session; `on(name, listener)` returns the unsubscribe. */
export interface SessionEvents {
  state: [state: SessionState];
  userTranscript: [UserTranscript];
  assistantText: [AssistantText];
  toolCall: [ToolCallEvent];
  metrics: [TurnMetrics];
  models: [ModelsStatus];
  /** Errors with catalogue codes; `recoverable: false` ones end the session. */
  error: [SightlineError];
  /** The assistant's audio track arrived (attach it yourself when `autoPlay` is false). */
  assistantTrack: [MediaStreamTrack];
  /** The local stream changed (start, device switch, screen share). */
  localStream: [MediaStream];
  videoProgress: [IngestProgress];
  videoAnswer: [VideoAnswerEvent];
  /** Reconnected: the same call and conversation, after `downMs` without signaling or media. */
  reconnected: [{ downMs: number; iceRestarted: boolean }];
}

/** Upload options; `signal` cancels the upload (and nothing is left on the server). */
export interface UploadVideoOptions {
  onProgress?: (bytesSent: number, bytesTotal: number) => void;
  /** Ingest progress after the upload (stage and percent), until ready/failed/cancelled. */
  onIngest?: (progress: IngestProgress) => void;
  signal?: AbortSignal;
}

/** One conversation with the assistant. */
export interface Session {
  readonly state: SessionState;
  readonly callId: string | null;
  readonly localStream: MediaStream | null;
  readonly assistantTrack: MediaStreamTrack | null;
  readonly microphoneMuted: boolean;
  readonly cameraMuted: boolean;
  readonly screenSharing: boolean;
  on<E extends keyof SessionEvents>(event: E, listener: (...args: SessionEvents[E]) => void): () => void;

  /** Publishes devices and starts hearing the assistant; resolves when the audio path is ready (ICE + DTLS done). */
  start(options?: StartOptions): Promise<void>;
  /** Ends the call; idempotent. */
  hangUp(): Promise<void>;

  /** Mute stops the microphone's audio reaching the server (not just silence). */
  setMicrophoneMuted(muted: boolean): Promise<void>;
  setCameraMuted(muted: boolean): Promise<void>;
  switchMicrophone(deviceId: string): Promise<void>;
  switchCamera(deviceId: string): Promise<void>;
  /** Shares the screen as the video source (true) or goes back to the camera (false). */
  shareScreen(on: boolean): Promise<void>;
  /** Push-to-talk: pressed / released (only with `start({ pushToTalk: true })`). */
  talk(pressed: boolean): Promise<void>;

  sendText(text: string): Promise<{ turnId: string }>;
  /** A still image (paste, drop, camera snapshot): JPEG, PNG or WebP up to 8 MiB. */
  sendImage(image: Blob, question?: string): Promise<{ turnId: string }>;
  /** Stops the assistant's reply now; true when it was thinking or speaking. */
  interrupt(): Promise<boolean>;

  /** Registers (or replaces) a client tool; the SDK answers the server's calls with its result or a typed failure. */
  registerTool(
    name: string,
    parameters: Record<string, unknown>,
    handler: ToolHandler,
    options: ToolOptions,
  ): Promise<void>;
  unregisterTool(name: string): Promise<void>;

  /** Resumable (tus) upload; resolves with the video id once uploaded (ingest continues: `onIngest`). */
  uploadVideo(file: Blob, options?: UploadVideoOptions): Promise<{ videoId: string }>;
  ask(videoId: string, question: string | AskRequest): Promise<AskResponse>;
  listVideos(): Promise<VideoInfo[]>;
  deleteVideo(videoId: string): Promise<void>;
  /** Questions in this call (spoken or typed) are about this video until `selectVideo(null)`. */
  selectVideo(videoId: string | null): Promise<VideoInfo | null>;
}

/** Connects to the server (signaling only; `start` adds media). Rejects with a catalogue error when unreachable or refused. */
export type Connect = (options?: ConnectOptions) => Promise<Session>;

/** Questions a typed `ask` accepts, re-exported for apps. */
export type { AskRequest, AskResponse, IngestProgress, VideoInfo };
