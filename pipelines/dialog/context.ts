import type { LlmContent, LlmMessage, LlmVideoFrame } from '../../models/roles/llm.js';
import type { OcrReading } from '../watch/visualContext.js';
import type { HistoryEntry } from './history.js';
import { formatMmSs } from './time.js';

/** What one generation's prompt is made of. */
export interface ContextInput {
  systemPrompt: string;
  /** The tool section of the system prompt for a backend without native tools, or null. */
  toolPrompt: string | null;
  /** The conversation as heard; its last entry is the person's current turn. */
  history: readonly HistoryEntry[];
  /** The watch lane's kept frames (oldest first), shown with the current turn as one clip. */
  frames: readonly LlmVideoFrame[];
  /** Text read on camera, shown with the current turn. */
  ocr: readonly OcrReading[];
  /** Parts put in the person's current turn before their words (a video's evidence), or none. */
  turnContent?: readonly LlmContent[];
  /** This turn's messages after the person's words: tool calls, their results, a closer look. */
  turnMessages: readonly LlmMessage[];
}

const text = (t: string): LlmContent => ({ type: 'text', text: t });

/** The OCR lines as the model reads them: "Text seen on camera at mm:ss: …". */
export function ocrLines(ocr: readonly OcrReading[]): string {
  return ocr.map((r) => `Text seen on camera at ${formatMmSs(r.ptsMs)}: ${r.text}`).join('\n');
}

/**
 * Assembles the messages of one generation: the system prompt (with the tool
 * section for a backend without native tools), the history, and, with the
 * person's current turn, the camera clip as ONE `video` part (the backend
 * writes each frame's `Frame from mm:ss`), the text read on camera and the
 * person's still image; then this turn's tool exchange. Only the newest image
 * in the history is shown again (images are expensive); older turns keep
 * their words.
 */
export function buildContext(input: ContextInput): LlmMessage[] {
  const system = input.toolPrompt ? `${input.systemPrompt}\n\n${input.toolPrompt}` : input.systemPrompt;
  const messages: LlmMessage[] = [{ role: 'system', content: [text(system)] }];
  let lastImageAt = -1;
  input.history.forEach((e, i) => {
    if (e.image) lastImageAt = i;
  });
  const currentAt = input.history.length - 1;
  input.history.forEach((entry, i) => {
    if (entry.role === 'assistant') {
      messages.push({ role: 'assistant', content: [text(entry.text)] });
      return;
    }
    const content: LlmContent[] = [];
    if (i === currentAt && input.frames.length > 0)
      content.push({ type: 'video', frames: [...input.frames] });
    if (i === currentAt && input.ocr.length > 0) content.push(text(ocrLines(input.ocr)));
    if (i === currentAt && input.turnContent) content.push(...input.turnContent);
    if (i === lastImageAt && entry.image) content.push({ type: 'image', image: entry.image });
    if (entry.text.trim() !== '') content.push(text(entry.text));
    if (content.length > 0) messages.push({ role: 'user', content });
  });
  messages.push(...input.turnMessages);
  return messages;
}

/**
 * A rough count of the prompt's tokens for backends that do not report it:
 * 4 characters a token for text, the kept rows (or 64) per frame, 64 per image tile
 * of 512² plus a global image.
 */
export function estimateTokens(messages: readonly LlmMessage[]): number {
  let n = 0;
  for (const m of messages) {
    for (const part of m.content) {
      if (part.type === 'text') n += Math.ceil(part.text.length / 4);
      else if (part.type === 'image') {
        const tiles = Math.ceil(part.image.width / 512) * Math.ceil(part.image.height / 512);
        n += 64 * (tiles > 1 ? tiles + 1 : 1);
      } else for (const f of part.frames) n += (f.tokens?.positions.length ?? 64) + 8;
    }
    if (m.role === 'assistant') for (const c of m.toolCalls ?? []) n += Math.ceil(c.arguments.length / 4) + 4;
  }
  return n;
}
