import type { IncomingMessage } from 'node:http';
import { SightlineError } from '../../protocol/errors.js';

/**
 * Reads a small request body as UTF-8, at most `maxBytes` (ERR_MESSAGE_TOO_LARGE
 * beyond, without reading the rest). Rejects with ERR_CONNECTION_CLOSED when the
 * client goes away first.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    throw new SightlineError('ERR_MESSAGE_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > maxBytes) {
        throw new SightlineError('ERR_MESSAGE_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
      }
      chunks.push(buf);
    }
  } catch (error) {
    if (error instanceof SightlineError) throw error;
    throw new SightlineError('ERR_CONNECTION_CLOSED', 'the client went away mid-body', { cause: error });
  }
  return Buffer.concat(chunks).toString('utf8');
}
