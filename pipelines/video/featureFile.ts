import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SightlineError } from '../../protocol/errors.js';

/**
 * The header of a feature file: one UTF-8 JSON line. `dims` floats per row,
 * `rowsPerEntry` rows per `tMs` entry (1 when absent), so the body holds
 * `tMs.length × rowsPerEntry × dims` float32 values. Other fields (the encoder's
 * name, `tokensPerFrame`) are free-form.
 */
export interface FeatureFileHeader {
  dims: number;
  /** The video time of each entry, ascending. */
  tMs: number[];
  rowsPerEntry?: number;
  [field: string]: unknown;
}

/** A feature file read back: its header and its whole body. */
export interface FeatureFile {
  header: FeatureFileHeader;
  /** `tMs.length × rowsPerEntry × dims` values, entry after entry. */
  data: Float32Array;
}

/** Floats in one entry's block. */
export function entryLength(header: FeatureFileHeader): number {
  return (header.rowsPerEntry ?? 1) * header.dims;
}

/** The block of entry `index` (a view, no copy). */
export function featureEntry(file: FeatureFile, index: number): Float32Array {
  const n = entryLength(file.header);
  if (!(index >= 0 && index < file.header.tMs.length)) {
    throw new SightlineError('ERR_INVALID_ARGUMENT', `feature entry ${index} of ${file.header.tMs.length}`);
  }
  return file.data.subarray(index * n, (index + 1) * n);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function leBytes(block: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(block.buffer, block.byteOffset, block.byteLength);
  const out = new Uint8Array(block.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < block.length; i++) view.setFloat32(i * 4, block[i] as number, true);
  return out;
}

function checkHeader(header: FeatureFileHeader, path: string): void {
  const ok =
    Number.isInteger(header.dims) &&
    header.dims >= 1 &&
    Array.isArray(header.tMs) &&
    header.tMs.every((t) => Number.isFinite(t)) &&
    (header.rowsPerEntry === undefined ||
      (Number.isInteger(header.rowsPerEntry) && header.rowsPerEntry >= 1));
  if (!ok) throw new SightlineError('ERR_INVALID_ARGUMENT', `bad feature file header in ${path}`);
}

/**
 * Writes a feature file atomically (a temporary file renamed into place):
 * the header line, then `blocks` as float32 little-endian, streamed (a block
 * is written before the next is asked for). The blocks must add up to exactly
 * `tMs.length × rowsPerEntry × dims` values.
 */
export async function writeFeatureFile(
  path: string,
  header: FeatureFileHeader,
  blocks: Iterable<Float32Array> | AsyncIterable<Float32Array>,
): Promise<void> {
  checkHeader(header, path);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const expected = header.tMs.length * entryLength(header);
  const out = createWriteStream(tmp);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined); // raced below; a write error also surfaces there
  try {
    let written = 0;
    const put = async (bytes: Uint8Array) => {
      if (!out.write(bytes)) await Promise.race([once(out, 'drain'), failed]);
    };
    await put(Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'));
    for await (const block of blocks) {
      written += block.length;
      if (written > expected) break;
      // The stream may hold the bytes until drained: give it its own copy.
      await put(Uint8Array.from(leBytes(block)));
    }
    if (written !== expected) {
      throw new SightlineError(
        'ERR_INVALID_ARGUMENT',
        `feature file ${path}: ${written} values for a header of ${expected}`,
      );
    }
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    await rename(tmp, path);
  } catch (error) {
    out.destroy();
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Parses a feature file's bytes (header line and body); a body of the wrong length is refused. */
export function parseFeatureFile(bytes: Uint8Array, where = 'a feature file'): FeatureFile {
  const nl = bytes.indexOf(0x0a);
  if (nl < 0) throw new SightlineError('ERR_INVALID_ARGUMENT', `no header line in ${where}`);
  let header: FeatureFileHeader;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(0, nl)).toString('utf8')) as FeatureFileHeader;
  } catch (cause) {
    throw new SightlineError('ERR_INVALID_ARGUMENT', `bad feature file header in ${where}`, { cause });
  }
  checkHeader(header, where);
  const body = bytes.subarray(nl + 1);
  const count = header.tMs.length * entryLength(header);
  if (body.length !== count * 4) {
    throw new SightlineError(
      'ERR_INVALID_ARGUMENT',
      `${where}: ${body.length} body bytes, header says ${count * 4}`,
    );
  }
  const data = new Float32Array(count);
  if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(body);
  else {
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
  }
  return { header, data };
}

/** Reads a whole feature file (header and body); a body of the wrong length is refused. */
export async function readFeatureFile(path: string): Promise<FeatureFile> {
  return parseFeatureFile(await readFile(path), path);
}
