import { Template } from '@huggingface/jinja';
import { ModelError } from '../runtime/errors.js';
import { numberToWords } from './numberWords.js';

/** One part of a chat message. Media parts are placeholders, expanded by `expandMedia`. */
export type ContentPart = { type: 'text'; text: string } | { type: 'image' } | { type: 'video' };

export interface ChatMessage {
  role: 'user' | 'assistant' | 'system';
  content: ContentPart[];
}

/**
 * What each media placeholder in the prompt stands for. A video frame holds
 * `frameTokens[i]` `<image>` tokens (the rows a compressor kept of it; default:
 * the model's full `seqLen`); a frame with 0 is left out of the prompt.
 */
export type MediaBlock =
  | { kind: 'image'; rows: number; cols: number }
  | { kind: 'video'; frameTimesMs: number[]; durationMs: number; frameTokens?: number[] };

/** Renders a chat template (see `chatTemplateFor`) with Jinja. */
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

/**
 * One image's tokens: tiles row by row with their grid tokens, then the global image (Idefics3/SmolVLM).
 * An unsplit image (0 × 0) may hold fewer than `seqLen` `<image>` tokens: `kept`, what a compressor kept.
 */
export function imageTokens(rows: number, cols: number, seqLen: number, kept = seqLen): string {
  if (rows === 0 && cols === 0)
    return `<fake_token_around_image><global-img>${'<image>'.repeat(kept)}<fake_token_around_image>`;
  const block = '<image>'.repeat(seqLen);
  let s = '';
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) s += `<fake_token_around_image><row_${r + 1}_col_${c + 1}>${block}`;
    s += '\n';
  }
  return `${s}\n<fake_token_around_image><global-img>${block}<fake_token_around_image>`;
}

/**
 * A video's tokens, as SmolVLMProcessor writes them: an intro giving the frame
 * count in words and the duration, then each frame under its real timestamp.
 * `frameTokens[i]` is frame i's number of `<image>` tokens (default `seqLen`);
 * frames with 0 are left out, and the intro counts the frames shown.
 */
export function videoTokens(
  frameTimesMs: number[],
  durationMs: number,
  seqLen: number,
  frameTokens?: readonly number[],
): string {
  if (frameTokens && frameTokens.length !== frameTimesMs.length) {
    throw new ModelError(
      'ERR_MODEL_INPUT',
      `${frameTokens.length} token counts for ${frameTimesMs.length} video frames`,
    );
  }
  const counts = frameTimesMs.map((_, i) => frameTokens?.[i] ?? seqLen);
  if (counts.some((k) => !Number.isInteger(k) || k < 0 || k > seqLen)) {
    throw new ModelError('ERR_MODEL_INPUT', `a video frame's token count is not an integer in 0..${seqLen}`);
  }
  const shown = frameTimesMs.filter((_, i) => (counts[i] as number) > 0);
  let s = `You are provided the following series of ${numberToWords(shown.length)} frames from a ${hmmss(durationMs)} [H:MM:SS] video.\n`;
  for (const [i, t] of frameTimesMs.entries()) {
    const kept = counts[i] as number;
    if (kept > 0) s += `\nFrame from ${mmss(t)}:${imageTokens(0, 0, seqLen, kept)}`;
  }
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
      : videoTokens(m.frameTimesMs, m.durationMs, seqLen, m.frameTokens);
  });
  if (i !== media.length) {
    throw new ModelError(
      'ERR_MODEL_INPUT',
      `${media.length} media given for ${i} placeholders in the prompt`,
    );
  }
  return out;
}
