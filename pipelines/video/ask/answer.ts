import type { Llm, LlmContent, LlmMessage, LlmVideoFrame, VisualTokens } from '../../../models/roles/llm.js';
import { throwIfAborted } from '../../../models/runtime/errors.js';
import { SightlineError } from '../../../protocol/errors.js';
import type { AskRequest, AskResponse, Citation, Evidence } from '../../../protocol/video.js';
import type { TextImageModel, VideoFiles, VideoIndexReader } from '../types.js';
import { extractCitations } from './citations.js';
import { type EvidenceOptions, gatherEvidence } from './evidence.js';
import { loadFrameImages } from './frameImages.js';
import { readImageFeatures } from './imageRank.js';
import { buildVideoMessages, type VideoEvidenceInput, videoEvidenceContent } from './prompt.js';
import { parseQuestion } from './timeQuery.js';

/** The longest question accepted, in characters. */
export const MAX_QUESTION_CHARS = 2000;
/** Tokens an answer may take unless the caller says otherwise. */
export const DEFAULT_ANSWER_TOKENS = 256;

/** What preparing a question needs: the index, the files, the optional text–image model, URLs, a clock. */
export interface VideoQuestionDeps {
  reader: VideoIndexReader;
  files: VideoFiles;
  textImage: TextImageModel | null;
  /** The URL a client opens to see the frame at `tMs` (with whatever token it needs). */
  frameUrl(videoId: string, tMs: number): string;
  /** The one clock, ms. */
  nowMs(): number;
  /** Evidence budgets; EVIDENCE_DEFAULTS where left out. */
  budgets?: Omit<EvidenceOptions, 'durationMs' | 'textImage' | 'signal'>;
  /**
   * Visual tokens the `features` stage saved for these frames, by time, where
   * the answering model's vision encoder made them (`Llm.visionEncoder`): the
   * backend then skips encoding them (~0.7 s a 512² frame at real size).
   * Frames missing from the map are sent as images.
   */
  frameTokens?: (videoId: string, tMs: readonly number[]) => Promise<ReadonlyMap<number, VisualTokens>>;
}

/** What answering over HTTP needs besides: the model. */
export interface AskVideoDeps extends VideoQuestionDeps {
  llm: Llm;
  maxNewTokens?: number;
}

/** Everything before the LLM: the parse, the evidence, the frames as images, the content and messages. */
export interface PreparedVideoQuestion extends VideoEvidenceInput {
  videoId: string;
  question: string;
  /** The frames shown, decoded, with their true times (a frame whose file is gone is not shown nor reported). */
  images: LlmVideoFrame[];
  /** The evidence as the API returns it (frames with URLs). */
  wireEvidence: Evidence;
  /** The evidence as content, for a dialog that asks in its own context (no system prompt, no question). */
  content: LlmContent[];
  /** The messages of a standalone answer (system prompt, evidence, question). */
  messages: LlmMessage[];
  /** Parse + retrieval + frame decoding, ms. */
  retrievalMs: number;
}

function checkQuestion(question: unknown): string {
  if (typeof question !== 'string' || question.trim() === '') {
    throw new SightlineError('ERR_INVALID_ARGUMENT', 'the question must be a non-empty string');
  }
  if (question.length > MAX_QUESTION_CHARS) {
    throw new SightlineError(
      'ERR_INVALID_ARGUMENT',
      `the question is longer than ${MAX_QUESTION_CHARS} characters`,
    );
  }
  return question.trim();
}

/**
 * Everything before the LLM, shared by the HTTP answer and the call's dialog
 * (which speaks the answer through its own generation with the SAME
 * evidence): checks the video exists (ERR_VIDEO_NOT_FOUND) and is `ready`
 * (ERR_VIDEO_NOT_READY: a half-indexed video never answers), parses the
 * question (structured `t` / `range` win; bad ones are ERR_INVALID_ARGUMENT),
 * gathers the evidence (blending the text–image ranking for `when` questions
 * when a model and the video's embeddings exist) and decodes its frames.
 */
export async function prepareVideoQuestion(
  deps: VideoQuestionDeps,
  videoId: string,
  question: string | AskRequest,
  signal?: AbortSignal,
): Promise<PreparedVideoQuestion> {
  throwIfAborted(signal);
  const t0 = deps.nowMs();
  const request: AskRequest = typeof question === 'string' ? { question } : question;
  const text = checkQuestion(request.question);
  const meta = deps.reader.video(videoId);
  if (!meta) throw new SightlineError('ERR_VIDEO_NOT_FOUND', `no video ${JSON.stringify(videoId)}`);
  if (meta.status !== 'ready' || !meta.probe) {
    throw new SightlineError('ERR_VIDEO_NOT_READY', `the video is ${meta.status}, not ready to answer`);
  }
  const durationMs = meta.probe.durationMs;
  const parsed = parseQuestion(text, { t: request.t, range: request.range }, durationMs);
  const features =
    parsed.kind === 'when' && deps.textImage ? await readImageFeatures(deps.files, videoId) : null;
  const gathered = await gatherEvidence(deps.reader, videoId, parsed, {
    ...deps.budgets,
    durationMs,
    textImage: deps.textImage && features ? { model: deps.textImage, features } : null,
    ...(signal ? { signal } : {}),
  });
  const images = await loadFrameImages(deps.files, videoId, gathered.frames, signal);
  if (deps.frameTokens && images.length > 0) {
    const tokens = await deps.frameTokens(
      videoId,
      images.map((i) => i.ptsMs),
    );
    for (const image of images) {
      const t = tokens.get(image.ptsMs);
      if (t) image.tokens = t;
    }
  }
  const shown = new Set(images.map((i) => i.ptsMs));
  const evidence = { ...gathered, frames: gathered.frames.filter((f) => shown.has(f.tMs)) };
  const input: VideoEvidenceInput = { videoName: meta.name, durationMs, parsed, evidence };
  const wireEvidence: Evidence = {
    frames: evidence.frames.map((f) => ({ tMs: f.tMs, url: deps.frameUrl(videoId, f.tMs), role: f.role })),
    transcript: evidence.transcript.map((s) => ({ startMs: s.startMs, endMs: s.endMs, text: s.text })),
    ocr: evidence.ocr.map((o) => ({ tMs: o.tMs, text: o.text })),
  };
  return {
    ...input,
    videoId,
    question: text,
    images,
    wireEvidence,
    content: videoEvidenceContent(input, images),
    messages: buildVideoMessages(input, images, text),
    retrievalMs: deps.nowMs() - t0,
  };
}

/** What an answer's text adds to its prepared question: the timestamps it cites, checked against the video. */
export function finishVideoAnswer(
  prepared: PreparedVideoQuestion,
  answerText: string,
): { citations: Citation[] } {
  return { citations: extractCitations(answerText, prepared.durationMs) };
}

/**
 * Answers one question about a ready video: prepares it, generates greedily
 * (temperature 0) with `llm`, and returns the answer with the timestamps it
 * cites, the evidence it was given (frames with URLs, transcript segments,
 * OCR lines), the ranked moments (`when`), the chapters (`summary`) and where
 * the time went. An abort rejects with ERR_ABORTED.
 */
export async function askVideo(
  deps: AskVideoDeps,
  videoId: string,
  request: AskRequest,
  signal?: AbortSignal,
): Promise<AskResponse> {
  const prepared = await prepareVideoQuestion(deps, videoId, request, signal);
  const t1 = deps.nowMs();
  let answer = '';
  for await (const token of deps.llm.generate(prepared.messages, {
    temperature: 0,
    maxNewTokens: deps.maxNewTokens ?? DEFAULT_ANSWER_TOKENS,
    ...(signal ? { signal } : {}),
  })) {
    answer += token.text;
  }
  throwIfAborted(signal);
  const llmMs = deps.nowMs() - t1;
  answer = answer.trim();
  return {
    videoId,
    question: prepared.question,
    kind: prepared.parsed.kind,
    window: prepared.parsed.window,
    answer,
    citations: finishVideoAnswer(prepared, answer).citations,
    evidence: prepared.wireEvidence,
    moments: prepared.evidence.moments,
    chapters: prepared.evidence.chapters.map((c) => ({ startMs: c.startMs, endMs: c.endMs, title: c.title })),
    timings: { retrievalMs: prepared.retrievalMs, llmMs },
  };
}
