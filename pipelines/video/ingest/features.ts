import type { LlmImage, LlmVideoFrame, VisionEncoder } from '../../../models/roles/llm.js';
import { throwIfAborted } from '../../../models/runtime/errors.js';
import { ChangeGate, type ChangeGateOptions } from '../../watch/changeGate.js';
import { type CompressorOptions, TokenCompressor } from '../../watch/compressor.js';
import { writeFeatureFile } from '../featureFile.js';
import { readFrameRgb } from '../frameImage.js';
import type { FrameRecord, TextImageModel, VideoFiles } from '../types.js';

/** The feature files the `features` stage writes (names under `files.features`). */
export const FEATURE_FILES = Object.freeze({ vision: 'vision.f32', imageText: 'image-text.f32' });

/** Without a vision encoder, besides the scene frames, one frame at least this far after the last kept one is kept. */
export const SPARSE_KEEP_MS = 5000;

/**
 * The change gate in front of the encoder, offline: a frame is encoded when its thumbnail
 * differs from the last encoded frame's (or ffmpeg marked a scene change), else at least
 * every `heartbeatMs`. At ~0.7 s a 512² frame for the real SmolVLM2 encoder, the frames that
 * are encoded decide the ingest's cost: a still lecture encodes one frame in ten, not all.
 * The live rate limits do not apply (the video is not watched in real time).
 */
export const OFFLINE_GATE: Readonly<Partial<ChangeGateOptions>> = Object.freeze({
  heartbeatMs: 10_000,
  maxFps: 1000,
  idleFps: 1000,
});

/** What `features` decided for one frame. */
export type FrameFeatures = Pick<FrameRecord, 'tMs' | 'kept' | 'changedShare'>;

/** An image the compressor keeps in the offline mode: the rows are what it compares; the pixels stay on disk. */
const NO_PIXELS: LlmImage = { rgb: new Uint8Array(0), width: 0, height: 0 };

/**
 * The compressor's offline mode: a budget that never evicts (room for every frame of the
 * video), so each frame is compared with everything kept before it and `kept` means the
 * compressor listed it. Live settings (similarity, sceneCut) are the compressor's own.
 */
export function offlineCompressor(
  encoder: VisionEncoder,
  frameCount: number,
  options: Partial<Pick<CompressorOptions, 'similarity' | 'sceneCut'>> = {},
): TokenCompressor {
  const frames = Math.max(1, frameCount);
  return new TokenCompressor(encoder, {
    ...options,
    maxFrames: frames,
    maxTokens: frames * encoder.tokensPerFrame,
  });
}

/**
 * The `features` stage over the committed frames (time order): each frame that passes the
 * offline change gate (or starts a scene) through the vision encoder into the offline compressor; a frame is kept when the compressor lists it or ffmpeg
 * marked it a scene change. The kept frames' full rows (`tokensPerFrame × hidden` each) go to
 * `vision.f32`, their text–image embeddings (when such a model is set) to `image-text.f32`.
 * Without an encoder: scene frames, the first frame, and one every {@link SPARSE_KEEP_MS}.
 * Returns every frame's decision and the names of the files written.
 */
export async function computeFeatures(
  videoId: string,
  frames: readonly FrameRecord[],
  files: VideoFiles,
  models: { vision: VisionEncoder | null; textImage: TextImageModel | null },
  options: {
    signal?: AbortSignal;
    onProgress?: (stagePercent: number) => void;
    compressor?: Partial<Pick<CompressorOptions, 'similarity' | 'sceneCut'>>;
    /** The gate in front of the encoder (default {@link OFFLINE_GATE}); null encodes every frame. */
    gate?: Partial<ChangeGateOptions> | null;
  } = {},
): Promise<{ frames: FrameFeatures[]; files: string[]; encoded: number }> {
  const { signal, onProgress } = options;
  const { vision, textImage } = models;
  const ordered = [...frames].sort((a, b) => a.tMs - b.tMs);
  const compressor = vision ? offlineCompressor(vision, ordered.length, options.compressor) : null;
  const decisions: FrameFeatures[] = [];
  const keptTimes: number[] = [];
  const visionRows: Float32Array[] = [];
  const embeddings: Float32Array[] = [];
  let lastKeptMs = Number.NEGATIVE_INFINITY;
  const gate = options.gate === null ? null : new ChangeGate({ ...OFFLINE_GATE, ...options.gate });
  let encoded = 0;

  for (const [i, f] of ordered.entries()) {
    throwIfAborted(signal);
    const needPixels = vision !== null || textImage !== null;
    const image = needPixels ? await readFrameRgb(files.frame(videoId, f.tMs)) : NO_PIXELS;
    let kept: boolean;
    let changedShare: number | null = null;
    let rows: Float32Array | null = null;
    if (vision && compressor) {
      const looked = gate?.offer({ ...image, ptsMs: f.tMs });
      if (!f.scene && looked && !looked.pass) {
        // Looks like the last encoded frame: nothing new for the encoder to see.
        kept = false;
        changedShare = 0;
      } else {
        const frame: LlmVideoFrame = { ...image, ptsMs: f.tMs };
        rows = await vision.encodeFrame(frame, { signal });
        encoded++;
        const r = compressor.add({ ...NO_PIXELS, ptsMs: f.tMs }, rows);
        kept = r.kept > 0 || f.scene;
        changedShare = r.changed / vision.tokensPerFrame;
      }
    } else {
      kept = f.scene || f.tMs - lastKeptMs >= SPARSE_KEEP_MS;
    }
    if (kept) {
      lastKeptMs = f.tMs;
      keptTimes.push(f.tMs);
      if (rows) visionRows.push(rows);
      if (textImage) embeddings.push(await textImage.embedImage(image, { signal }));
    }
    decisions.push({ tMs: f.tMs, kept, changedShare });
    onProgress?.((95 * (i + 1)) / ordered.length);
  }

  const written: string[] = [];
  if (vision && keptTimes.length > 0) {
    await writeFeatureFile(
      files.features(videoId, FEATURE_FILES.vision),
      {
        dims: vision.hidden,
        tMs: keptTimes,
        rowsPerEntry: vision.tokensPerFrame,
        tokensPerFrame: vision.tokensPerFrame,
        encoder: vision.name,
      },
      visionRows,
    );
    written.push(FEATURE_FILES.vision);
  }
  if (textImage && keptTimes.length > 0) {
    await writeFeatureFile(
      files.features(videoId, FEATURE_FILES.imageText),
      { dims: textImage.dims, tMs: keptTimes, model: textImage.name },
      embeddings,
    );
    written.push(FEATURE_FILES.imageText);
  }
  onProgress?.(100);
  return { frames: decisions, files: written, encoded };
}
