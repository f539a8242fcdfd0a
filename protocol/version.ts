/** The protocol version this build speaks. Bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;
/** Largest client message accepted, in bytes (UTF-8). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Largest `sendImage` message (an 8 MiB image in base64 and its envelope); every other method keeps MAX_MESSAGE_BYTES. */
export const MAX_IMAGE_MESSAGE_BYTES = Math.ceil((8 * 1024 * 1024) / 3) * 4 + 16 * 1024;
/** The path of the signaling WebSocket. */
export const SIGNALING_PATH = '/ws';
