export type { ErrorCode, WireError } from '../../protocol/errors.js';
export { SightlineError } from '../../protocol/errors.js';
export type { TimelineFrame, VideoTimeline } from '../../protocol/timeline.js';
export type {
  AskRequest,
  AskResponse,
  Citation,
  Evidence,
  IngestProgress,
  VideoAnswerEvent,
  VideoInfo,
} from '../../protocol/video.js';
export type {
  AssistantState,
  CallState,
  MetricsEvent,
  ModelsStatus,
  ServerEventMap,
  TurnMetrics,
} from '../../protocol/wire.js';
export type {
  AssistantText,
  Connect,
  ConnectOptions,
  DeviceChoice,
  SdkLogger,
  Session,
  SessionEvents,
  SessionState,
  StartOptions,
  ToolCallEvent,
  ToolHandler,
  ToolOptions,
  UploadVideoOptions,
  UserTranscript,
} from './api.js';
export type {
  SightlineClientEvents,
  SightlineClientOptions,
  StartOptions as ClientStartOptions,
  VideoSendOptions,
} from './client.js';
export { SightlineClient } from './client.js';
export type { ImageMimeType } from './image.js';
export { connect, SightlineSession } from './session.js';
export type { ClientTool, ToolParameters } from './tools.js';
export type { UploadOptions, VideoApiOptions } from './video.js';
export {
  askVideo,
  cancelVideo,
  deleteVideo,
  getTimeline,
  getVideo,
  listVideos,
  mediaUrl,
  requestToken,
  uploadVideo,
  watchVideo,
} from './video.js';
