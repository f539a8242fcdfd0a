export type { ErrorCode, WireError } from '../../protocol/errors.js';
export { SightlineError } from '../../protocol/errors.js';
export { IMAGE_MIME_TYPES, MAX_IMAGE_BYTES, MAX_TEXT_CHARS } from '../../protocol/limits.js';
export type {
  AssistantState,
  CallState,
  MetricsEvent,
  ModelsStatus,
  ServerEventMap,
  TurnMetrics,
} from '../../protocol/messages.js';
export type {
  SightlineClientEvents,
  SightlineClientOptions,
  StartOptions,
  VideoSendOptions,
} from './client.js';
export { DEFAULT_VIDEO_SEND, SightlineClient } from './client.js';
export type { ImageMimeType } from './image.js';
export { checkImage } from './image.js';
export type { ClientTool, ToolParameters } from './tools.js';
