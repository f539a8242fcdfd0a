import { Template } from '@huggingface/jinja';
import { ModelError } from '../runtime/errors.js';

/** One part of a chat message. Media parts are placeholders, expanded by `expandMedia`. */
export type ContentPart = { type: 'text'; text: string } | { type: 'image' } | { type: 'video' };

export interface ChatMessage {
  role: 'user' | 'assistant' | 'system';
  content: ContentPart[];
}

/** What each media placeholder in the prompt stands for. */
export type MediaBlock =
  | { kind: 'image'; rows: number; cols: number }
  | { kind: 'video'; frameTimesMs: number[]; durationMs: number };

/** Renders the model's own chat template (from tokenizer_config.json) with Jinja. */
export function renderChat(template: string, messages: ChatMessage[], addGenerationPrompt = true): string {
  return new Template(template).render({ messages, add_generation_prompt: addGenerationPrompt });
}

function mmss(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function hmmss(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** One image's tokens: tiles row by row with their grid tokens, then the global image (Idefics3/SmolVLM). */
export function imageTokens(rows: number, cols: number, seqLen: number): string {
  const block = '<image>'.repeat(seqLen);
  if (rows === 0 && cols === 0)
    return `<fake_token_around_image><global-img>${block}<fake_token_around_image>`;
  let s = '';
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) s += `<fake_token_around_image><row_${r + 1}_col_${c + 1}>${block}`;
    s += '\n';
  }
  return `${s}\n<fake_token_around_image><global-img>${block}<fake_token_around_image>`;
}

/** A video's tokens: an intro giving the frame count and duration, then each frame under its real timestamp. */
export function videoTokens(frameTimesMs: number[], durationMs: number, seqLen: number): string {
  let s = `You are provided the following series of ${frameTimesMs.length} frames from a ${hmmss(durationMs)} [H:MM:SS] video.\n`;
  for (const t of frameTimesMs) s += `\nFrame from ${mmss(t)}:${imageTokens(0, 0, seqLen)}`;
  return `${s}\n\n`;
}

/** Replaces the `<image>`/`<video>` placeholders of a rendered prompt, in order, with their token blocks. */
export function expandMedia(rendered: string, media: MediaBlock[], seqLen: number): string {
  let i = 0;
  const out = rendered.replace(/<image>|<video>/g, (placeholder) => {
    const m = media[i++];
    if (!m || (placeholder === '<image>') !== (m.kind === 'image')) {
      throw new ModelError(
        'ERR_MODEL_INPUT',
        `prompt placeholder ${i} (${placeholder}) has no matching media`,
      );
    }
    return m.kind === 'image'
      ? imageTokens(m.rows, m.cols, seqLen)
      : videoTokens(m.frameTimesMs, m.durationMs, seqLen);
  });
  if (i !== media.length)
    throw new ModelError('ERR_MODEL_INPUT', `${media.length} media given for ${i} placeholders`);
  return out;
}
