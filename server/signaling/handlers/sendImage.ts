import { decodeStillImage } from '../../media/stillImage.js';
import { requireAssistant } from './requireAssistant.js';
import type { Handler } from './types.js';

export const sendImage: Handler<'sendImage'> = async (ctx, { mimeType, dataBase64, text }) => {
  // Refused before the decode when there is no call or no assistant to look at it.
  requireAssistant(ctx);
  const image = await decodeStillImage(mimeType, dataBase64);
  ctx.signal.throwIfAborted();
  // The call may have ended (or lost its assistant) while the image decoded.
  const { turnId } = requireAssistant(ctx).sendImage(image, text?.trim() || undefined);
  return { turnId, imageId: turnId, width: image.width, height: image.height };
};
