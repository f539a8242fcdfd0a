import type { ChatMessage } from './prompt.js';

/**
 * The video-capable chat template that transformers' `SmolVLMProcessor`
 * (`DEFAULT_CHAT_TEMPLATE` in processing_smolvlm.py) substitutes whenever a
 * conversation holds video: the repos' own `chat_template.json` renders images
 * only and drops `{"type": "video"}` parts.
 */
export const SMOLVLM_VIDEO_CHAT_TEMPLATE =
  "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}{% elif line['type'] == 'image' %}{{ '<image>' }}{% elif line['type'] == 'video' %}{{ '<video>' }}{% endif %}{% endfor %}<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

/**
 * The model's own chat template, in the processors' order: `chat_template.json`
 * first, then a `chat_template` string in `tokenizer_config.json`; null when neither has one.
 */
export function modelChatTemplate(
  chatTemplateJson: Record<string, unknown>,
  tokenizerConfig: Record<string, unknown>,
): string | null {
  for (const source of [chatTemplateJson, tokenizerConfig]) {
    if (typeof source.chat_template === 'string' && source.chat_template.length > 0)
      return source.chat_template;
  }
  return null;
}

/** Whether any message holds a video part. */
export function holdsVideo(messages: readonly ChatMessage[]): boolean {
  return messages.some((m) => m.content.some((part) => part.type === 'video'));
}

/**
 * The template a conversation is rendered with: the video-capable default when
 * it holds video (as `SmolVLMProcessor.apply_chat_template` does), the model's own otherwise.
 */
export function chatTemplateFor(messages: readonly ChatMessage[], modelTemplate: string): string {
  return holdsVideo(messages) ? SMOLVLM_VIDEO_CHAT_TEMPLATE : modelTemplate;
}
