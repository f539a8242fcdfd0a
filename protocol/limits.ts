/**
 * Limits shared by server and client, in a module without zod so the browser
 * bundle can import them (protocol/messages.ts re-exports them).
 */

/** Longest typed message, in characters. */
export const MAX_TEXT_CHARS = 4000;
/** Largest still image accepted by `sendImage`, in bytes before base64. */
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;
/** Image types `sendImage` accepts. */
export const IMAGE_MIME_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
/** A still image's type as the server accepts it. */
export type ImageMimeType = (typeof IMAGE_MIME_TYPES)[number];
/** Most tools one client may register. */
export const MAX_CLIENT_TOOLS = 32;
/** Tools the assistant has itself; a client tool may not take one of these names. */
export const BUILT_IN_TOOL_NAMES: readonly string[] = ['look_closer', 'read_text', 'current_time'];
