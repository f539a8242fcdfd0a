/**
 * React helpers for the Sightline client SDK (`@sightline/client/react`).
 * A thin layer over `connect()`; apps without React import `@sightline/client` only.
 */
export type { AssistantOptions, AssistantSnapshot, AssistantStore } from './store.js';
export { createAssistantStore } from './store.js';
export type { UseAssistant } from './useAssistant.js';
export { useAssistant } from './useAssistant.js';
