import { describe, expect, it } from 'vitest';
import { SMOLVLM_IMAGE_CHAT_TEMPLATE } from '../../../../models/tiny/smolvlmTiny.js';
import { chatTemplateFor, modelChatTemplate } from '../../../../models/vlm/chatTemplate.js';
import { type ChatMessage, renderChat } from '../../../../models/vlm/prompt.js';

const video: ChatMessage[] = [
  { role: 'user', content: [{ type: 'video' }, { type: 'text', text: 'What happens?' }] },
];
const image: ChatMessage[] = [
  { role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'What is this?' }] },
  { role: 'assistant', content: [{ type: 'text', text: 'A cat.' }] },
  { role: 'user', content: [{ type: 'text', text: 'Sure?' }] },
];

describe('SmolVLM chat template choice', () => {
  it('prefers chat_template.json over tokenizer_config.json, as the processors do', () => {
    expect(modelChatTemplate({ chat_template: 'A' }, { chat_template: 'B' })).toBe('A');
    expect(modelChatTemplate({}, { chat_template: 'B' })).toBe('B');
    expect(modelChatTemplate({ chat_template: '' }, { chat_template: 'B' })).toBe('B');
    expect(modelChatTemplate({}, {})).toBeNull();
  });

  it("renders video with transformers' DEFAULT_CHAT_TEMPLATE even when the model's template is image-only", () => {
    // The repo's image-only template drops the video part: the reason for the substitution.
    expect(renderChat(SMOLVLM_IMAGE_CHAT_TEMPLATE, video)).toBe(
      '<|im_start|>User: What happens?<end_of_utterance>\nAssistant:',
    );
    expect(renderChat(chatTemplateFor(video, SMOLVLM_IMAGE_CHAT_TEMPLATE), video)).toBe(
      '<|im_start|>User: <video>What happens?<end_of_utterance>\nAssistant:',
    );
  });

  it("keeps the model's own template for conversations without video", () => {
    expect(chatTemplateFor(image, 'MODEL')).toBe('MODEL');
    expect(renderChat(chatTemplateFor(image, SMOLVLM_IMAGE_CHAT_TEMPLATE), image)).toBe(
      '<|im_start|>User:<image>What is this?<end_of_utterance>\nAssistant: A cat.<end_of_utterance>\nUser: Sure?<end_of_utterance>\nAssistant:',
    );
  });
});
