import type {
  ChatCompletionContentPart,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import sharp from 'sharp';
import type { LlmContent, LlmImage, LlmMessage, LlmTool } from '../roles/llm.js';
import { ModelError } from '../runtime/errors.js';

/** JPEG quality of images sent to a remote model: small on the wire, still sharp enough to read text. */
export const REMOTE_JPEG_QUALITY = 85;

/** `mm:ss` of a time on the call's timeline (minutes grow past 59). */
export function frameClock(ptsMs: number): string {
  const totalS = Math.max(0, Math.floor(ptsMs / 1000));
  const mm = Math.floor(totalS / 60);
  const ss = totalS % 60;
  return `${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
}

/** An RGB image as a `data:image/jpeg;base64,…` URL (what chat completions take inline). */
export async function jpegDataUrl(image: LlmImage): Promise<string> {
  const { rgb, width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ModelError('ERR_MODEL_INPUT', `image size ${width}x${height} is not valid`);
  }
  if (rgb.length !== width * height * 3) {
    throw new ModelError(
      'ERR_MODEL_INPUT',
      `image of ${width}x${height} needs ${width * height * 3} RGB bytes; it has ${rgb.length}`,
    );
  }
  const jpeg = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: REMOTE_JPEG_QUALITY })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

/**
 * Content parts of one message. A clip becomes, per frame, a text part
 * `Frame from mm:ss:` followed by the frame as an image (its precomputed
 * visual tokens mean nothing to a remote model and are left out).
 */
async function toParts(content: LlmContent[]): Promise<ChatCompletionContentPart[]> {
  const parts: ChatCompletionContentPart[] = [];
  for (const c of content) {
    if (c.type === 'text') {
      parts.push({ type: 'text', text: c.text });
    } else if (c.type === 'image') {
      parts.push({ type: 'image_url', image_url: { url: await jpegDataUrl(c.image) } });
    } else {
      for (const frame of c.frames) {
        parts.push({ type: 'text', text: `Frame from ${frameClock(frame.ptsMs)}:` });
        parts.push({ type: 'image_url', image_url: { url: await jpegDataUrl(frame) } });
      }
    }
  }
  return parts;
}

/** The text of a message that may only hold text (system, assistant, tool), parts joined. */
function textOnly(content: LlmContent[], role: string): string {
  return content
    .map((c) => {
      if (c.type !== 'text') {
        throw new ModelError('ERR_MODEL_INPUT', `a ${role} message can only hold text; it has ${c.type}`);
      }
      return c.text;
    })
    .join('');
}

/** Our messages in the chat-completions wire form. */
export async function toChatMessages(messages: LlmMessage[]): Promise<ChatCompletionMessageParam[]> {
  const out: ChatCompletionMessageParam[] = [];
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        out.push({ role: 'system', content: textOnly(m.content, 'system') });
        break;
      case 'user':
        out.push({ role: 'user', content: await toParts(m.content) });
        break;
      case 'assistant': {
        const text = textOnly(m.content, 'assistant');
        const calls = m.toolCalls ?? [];
        out.push({
          role: 'assistant',
          content: text === '' && calls.length > 0 ? null : text,
          ...(calls.length > 0
            ? {
                tool_calls: calls.map((c) => ({
                  id: c.id,
                  type: 'function' as const,
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : {}),
        });
        break;
      }
      case 'tool':
        out.push({ role: 'tool', tool_call_id: m.toolCallId, content: textOnly(m.content, 'tool') });
        break;
    }
  }
  return out;
}

/** Tool definitions in the chat-completions wire form. */
export function toChatTools(tools: LlmTool[]): ChatCompletionFunctionTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
}
