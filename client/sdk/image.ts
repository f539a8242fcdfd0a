import { SightlineError } from '../../protocol/errors.js';
import { IMAGE_MIME_TYPES, MAX_IMAGE_BYTES } from '../../protocol/limits.js';

/** An image type `sendImage` accepts. */
export type ImageMimeType = (typeof IMAGE_MIME_TYPES)[number];

function isImageMimeType(type: string): type is ImageMimeType {
  return (IMAGE_MIME_TYPES as readonly string[]).includes(type);
}

/**
 * Checks a still image against the server's limits before it is sent:
 * ERR_IMAGE_FORMAT for a type other than JPEG, PNG or WebP (or an empty file),
 * ERR_IMAGE_TOO_LARGE past MAX_IMAGE_BYTES. Returns its type.
 */
export function checkImage(image: Blob): ImageMimeType {
  if (!isImageMimeType(image.type)) {
    throw new SightlineError(
      'ERR_IMAGE_FORMAT',
      `${image.type || 'an unknown type'} is not one of ${IMAGE_MIME_TYPES.join(', ')}`,
    );
  }
  if (image.size === 0) throw new SightlineError('ERR_IMAGE_FORMAT', 'the image is empty');
  if (image.size > MAX_IMAGE_BYTES) {
    throw new SightlineError(
      'ERR_IMAGE_TOO_LARGE',
      `the image is ${image.size} bytes; the limit is ${MAX_IMAGE_BYTES}`,
    );
  }
  return image.type;
}

/** Bytes per `String.fromCharCode` call: bounded so the argument list stays small. */
const CHUNK = 0x8000;

/** Base64 of a Blob's bytes (browser and Node alike). */
export async function blobToBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}
