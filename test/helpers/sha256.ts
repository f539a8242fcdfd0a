import { createHash } from 'node:crypto';

/** The hex sha256 of `bytes`, as models.lock.json, the manifest and the hub's X-Linked-Etag spell it. */
export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
