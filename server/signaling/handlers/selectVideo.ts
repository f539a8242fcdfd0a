import { SightlineError } from '../../../protocol/errors.js';
import { requireAssistant } from './requireAssistant.js';
import type { Handler } from './types.js';

/**
 * Focuses the call's assistant on one of the caller's ready videos (or back on
 * the camera with null). A missing or foreign id is ERR_VIDEO_NOT_FOUND; a video
 * still ingesting (or failed) is ERR_VIDEO_NOT_READY.
 */
export const selectVideo: Handler<'selectVideo'> = async (ctx, { videoId }) => {
  const assistant = requireAssistant(ctx);
  if (videoId === null) {
    assistant.focusVideo(null);
    return { video: null };
  }
  const videos = ctx.app.videos;
  const owner = ctx.conn.owner;
  if (!videos || owner === null) {
    throw new SightlineError('ERR_VIDEO_NOT_FOUND', 'this server keeps no uploaded videos');
  }
  const video = videos.get(owner, videoId);
  if (video.status !== 'ready') throw new SightlineError('ERR_VIDEO_NOT_READY');
  assistant.focusVideo({
    videoId,
    prepare: (question, signal) => videos.prepareQuestion(owner, videoId, question, signal),
  });
  return { video };
};
