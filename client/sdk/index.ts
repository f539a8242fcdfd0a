export type { ErrorCode, WireError } from '../../protocol/errors.js';
export { SightlineError } from '../../protocol/errors.js';
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
export { SightlineClient } from './client.js';
export type { ImageMimeType } from './image.js';
export type { ClientTool, ToolParameters } from './tools.js';
