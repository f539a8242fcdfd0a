export { SightlineClient } from './client.js';
export type { SightlineClientEvents, SightlineClientOptions, StartOptions } from './client.js';
export { SightlineError } from '../../protocol/errors.js';
export type { ErrorCode, WireError } from '../../protocol/errors.js';
export type { CallState, MetricsEvent, ServerEventMap } from '../../protocol/messages.js';
