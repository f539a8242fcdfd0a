import { access } from 'node:fs/promises';
import type { LlmVideoFrame } from '../../../models/roles/llm.js';
import { throwIfAborted } from '../../../models/runtime/errors.js';
import { readFrameRgb } from '../frameImage.js';
import type { VideoFiles } from '../types.js';

/**
 * The frames' JPEGs (`files.frame`, at most 512 px on the long side) decoded
 * to packed RGB, each with its true time as `ptsMs`, in the order asked. A
 * frame whose file is gone (a video being deleted) is left out, so what the
 * caller reports as evidence is what the model was shown.
 */
export async function loadFrameImages(
  files: VideoFiles,
  videoId: string,
  frames: readonly { tMs: number }[],
  signal?: AbortSignal,
): Promise<LlmVideoFrame[]> {
  throwIfAborted(signal);
  const loaded = await Promise.all(
    frames.map(async ({ tMs }): Promise<LlmVideoFrame | null> => {
      const path = files.frame(videoId, tMs);
      try {
        await access(path);
      } catch {
        return null;
      }
      return { ...(await readFrameRgb(path)), ptsMs: tMs };
    }),
  );
  throwIfAborted(signal);
  return loaded.filter((f): f is LlmVideoFrame => f !== null);
}
