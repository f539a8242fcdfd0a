/**
 * `GET /api/videos/:id/timeline`: what the timeline page draws of a ready
 * video. Times in ms from the start of the video; URLs carry the caller's
 * token (`?access_token=`) since img and video tags cannot send headers.
 */
import type { Chapter, EvidenceOcr, EvidenceSegment } from './video.js';

/** One sampled frame of the index. */
export interface TimelineFrame {
  tMs: number;
  thumbUrl: string;
  frameUrl: string;
  /** Kept by the compressor as informative. */
  kept: boolean;
  /** A scene-change frame. */
  scene: boolean;
}

/** Everything the timeline page shows of a ready video: chapters, transcript, OCR and sampled frames. */
export interface VideoTimeline {
  videoId: string;
  name: string;
  durationMs: number;
  /** The source, playable by a `<video>` (Range requests). */
  mediaUrl: string;
  chapters: Chapter[];
  transcript: EvidenceSegment[];
  ocr: EvidenceOcr[];
  frames: TimelineFrame[];
}
