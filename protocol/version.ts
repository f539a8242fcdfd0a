/** The protocol version this build speaks. Bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;
/** Largest client message accepted, in bytes (UTF-8). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** The path of the signaling WebSocket. */
export const SIGNALING_PATH = '/ws';
