import { join } from 'node:path';
import type { VideoFiles } from '../../pipelines/video/types.js';
import { SightlineError } from '../../protocol/errors.js';

/** Ids are ours (random, url-safe); anything else never becomes a path. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

function checkId(videoId: string): string {
  if (!SAFE_ID.test(videoId))
    throw new SightlineError('ERR_VIDEO_NOT_FOUND', `no video ${JSON.stringify(videoId)}`);
  return videoId;
}

/**
 * The on-disk layout under `<root>/videos/<id>/`: `source` (the upload),
 * `frames/<tMs>.jpg`, `thumbs/<tMs>.jpg`, `features/<name>`, `scratch/`.
 */
export class DiskVideoFiles implements VideoFiles {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  dir(videoId: string): string {
    return join(this.root, 'videos', checkId(videoId));
  }

  source(videoId: string): string {
    return join(this.dir(videoId), 'source');
  }

  frame(videoId: string, tMs: number): string {
    return join(this.dir(videoId), 'frames', `${Math.round(tMs)}.jpg`);
  }

  thumbnail(videoId: string, tMs: number): string {
    return join(this.dir(videoId), 'thumbs', `${Math.round(tMs)}.jpg`);
  }

  features(videoId: string, name: string): string {
    if (!SAFE_ID.test(name.replace(/\./g, '_'))) {
      throw new SightlineError('ERR_INVALID_ARGUMENT', `bad feature file name ${JSON.stringify(name)}`);
    }
    return join(this.dir(videoId), 'features', name);
  }

  scratch(videoId: string): string {
    return join(this.dir(videoId), 'scratch');
  }
}
