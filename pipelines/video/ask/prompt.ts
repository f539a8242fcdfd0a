import type { LlmContent, LlmMessage, LlmVideoFrame } from '../../../models/roles/llm.js';
import { formatMmSs } from '../../../protocol/time.js';
import type { ChapterRecord, OcrRecord, SegmentRecord } from '../types.js';
import type { GatheredEvidence } from './evidence.js';
import type { ParsedQuestion } from './timeQuery.js';

/** What the model is told about answering from a video's evidence. */
export const VIDEO_SYSTEM_PROMPT =
  'You answer questions about one uploaded video. Answer only from the evidence given: the frames ' +
  '(each marked with its time), the transcript of what is said, and the text read on screen. Cite ' +
  'every moment you mention by its timestamp as mm:ss, for example 00:42. If the evidence does not ' +
  'show the answer, say that it does not show it; never guess. Keep the answer short.';

/** The part of a prepared question the prompt is built from. */
export interface VideoEvidenceInput {
  /** The uploader's file name, for the model's orientation only. */
  videoName: string;
  durationMs: number;
  parsed: ParsedQuestion;
  evidence: GatheredEvidence;
}

const text = (t: string): LlmContent => ({ type: 'text', text: t });
const span = (startMs: number, endMs: number) => `${formatMmSs(startMs)}–${formatMmSs(endMs)}`;

/** Transcript lines as the model reads them: `[mm:ss–mm:ss] text`. */
export function transcriptLines(segments: readonly SegmentRecord[]): string {
  return segments.map((s) => `[${span(s.startMs, s.endMs)}] ${s.text}`).join('\n');
}

/** OCR lines as the model reads them: `Text on screen at mm:ss: …`. */
export function ocrLines(lines: readonly OcrRecord[]): string {
  return lines.map((o) => `Text on screen at ${formatMmSs(o.tMs)}: ${o.text}`).join('\n');
}

/** Chapters as the model reads them: `mm:ss–mm:ss title`. */
export function chapterLines(chapters: readonly ChapterRecord[]): string {
  return chapters.map((c) => `${span(c.startMs, c.endMs)} ${c.title}`).join('\n');
}

/** What the frames are, in one sentence. */
function framesSentence(input: VideoEvidenceInput, shown: number): string {
  if (shown === 0) return 'No frames are available.';
  const { parsed } = input;
  if (parsed.kind === 'time' && parsed.window) {
    return `The frames are around ${formatMmSs(parsed.tMs ?? parsed.window.startMs)} plus a few from the whole video.`;
  }
  if (parsed.kind === 'range' && parsed.window) {
    return `The frames cover ${span(parsed.window.startMs, parsed.window.endMs)} plus a few from the whole video.`;
  }
  if (parsed.kind === 'when' && input.evidence.moments.length > 0) {
    return 'The frames are around the moments the search found, plus a few from the whole video.';
  }
  return 'The frames are spread over the whole video.';
}

/**
 * The evidence as message content: a header (the video, its length, the
 * window asked about), the frames as ONE `video` part with their true times
 * (the backend labels each `Frame from mm:ss`), then the transcript, the
 * text on screen, the search's moments and the chapters. The call's dialog
 * puts the same content in its own context; `buildVideoMessages` adds the
 * system prompt and the question.
 */
export function videoEvidenceContent(
  prepared: VideoEvidenceInput,
  images: readonly LlmVideoFrame[],
): LlmContent[] {
  const { parsed, evidence } = prepared;
  const header = [`Video "${prepared.videoName}", ${formatMmSs(prepared.durationMs)} long.`];
  if (parsed.window)
    header.push(`The question is about ${span(parsed.window.startMs, parsed.window.endMs)}.`);
  header.push(framesSentence(prepared, images.length));
  const content: LlmContent[] = [text(header.join(' '))];
  if (images.length > 0)
    content.push({ type: 'video', frames: [...images].sort((a, b) => a.ptsMs - b.ptsMs) });
  const sections: string[] = [];
  if (evidence.transcript.length > 0) sections.push(`Transcript:\n${transcriptLines(evidence.transcript)}`);
  else sections.push('Transcript: nothing is said here.');
  if (evidence.ocr.length > 0) sections.push(ocrLines(evidence.ocr));
  if (evidence.moments.length > 0) {
    const lines = evidence.moments.map((m) =>
      `${span(m.startMs, m.endMs)} (${m.source}) ${m.text}`.trimEnd(),
    );
    sections.push(`Moments matching "${parsed.searchText}", best first:\n${lines.join('\n')}`);
  } else if (parsed.kind === 'when') {
    sections.push(`Nothing in the transcript or on screen matches "${parsed.searchText}".`);
  }
  if (evidence.chapters.length > 0) sections.push(`Chapters:\n${chapterLines(evidence.chapters)}`);
  content.push(text(sections.join('\n\n')));
  return content;
}

/** The messages of one answer: the system prompt, then the evidence and the question as one user turn. */
export function buildVideoMessages(
  prepared: VideoEvidenceInput,
  images: readonly LlmVideoFrame[],
  question: string,
): LlmMessage[] {
  return [
    { role: 'system', content: [text(VIDEO_SYSTEM_PROMPT)] },
    { role: 'user', content: [...videoEvidenceContent(prepared, images), text(`Question: ${question}`)] },
  ];
}
