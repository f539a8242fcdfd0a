import { decodeStillImage } from '../../media/stillImage.js';
import { requireAssistant } from './requireAssistant.js';
import type { Handler } from './types.js';

export const sendImage: Handler<'sendImage'> = async (ctx, { mimeType, dataBase64, text }) => {
  const assistant = requireAssistant(ctx);
  const image = await decodeStillImage(mimeType, dataBase64);
  ctx.signal.throwIfAborted();
  const { turnId } = assistant.sendImage(image, text);
  return { turnId, imageId: turnId, width: image.width, height: image.height };
};
