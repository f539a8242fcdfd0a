export type { ErrorCode, WireError } from '../../protocol/errors.js';
export { SightlineError } from '../../protocol/errors.js';
export type { CallState, MetricsEvent, ServerEventMap } from '../../protocol/messages.js';
export type { SightlineClientEvents, SightlineClientOptions, StartOptions } from './client.js';
export { SightlineClient } from './client.js';
