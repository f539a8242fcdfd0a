// What the default model set costs on this machine, measured on random-weight stand-ins with the
// real dimensions and layer counts (models/tiny REAL_SIZE_GENERATORS): `npm run bench:models:real`
// (`-- --threads=1,2`). Generates the stand-ins on first use (about 1.6 GB, cached; see
// realSizeCacheDir). Prints a table and JSON; asserts nothing.
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { LogMelExtractor } from '../models/audio/logMel.js';
import { type RealSizeModelName, realSizeModelDir } from '../models/tiny/generators.js';
import { KOKORO_STAND_IN } from '../models/tiny/kokoroStandIn.js';
import { SMOLVLM_256M } from '../models/tiny/smolvlmTiny.js';
import { WHISPER_BASE } from '../models/tiny/whisperTiny.js';
import { preprocessVideoFrame } from '../models/vision/smolvlmImage.js';
import { SMOLVLM_IMAGE_CONFIG } from '../models/vision/smolvlmImageConfig.js';
import { SMOLVLM_LAYOUT } from '../models/vlm/smolvlm.js';
import { f32, i64, randomFloats, smolVlmDecoderFeeds, whisperDecoderFeeds } from './modelCostFeeds.js';
import { medianMs } from './timing.js';

/** The default settings and the typical turn the voice-to-voice estimate assumes. */
export const TYPICAL_TURN = {
  /** The turn detector's default end-of-turn silence. */
  endOfTurnSilenceMs: 500,
  /** A 5 s utterance: about 13 words, 16 tokens and the end-of-text token. */
  utteranceMs: 5000,
  transcriptTokens: 17,
  /** New tokens prefilled per turn with the KV cache kept across turns: ~35 of text and template, one new frame (~75). */
  prefillTokens: 110,
  /** Context already in the cache when the turn is prefilled. */
  contextTokens: 1024,
  /** Tokens until the first sentence is complete (it then goes to TTS). */
  firstSentenceTokens: 12,
  /** Phonemes of that sentence (~9 words). */
  firstSentencePhonemes: 35,
} as const;

/** ../shared/ASSISTANT.md "The compute budget on these machines" (2 threads unless said). */
export const ASSISTANT_BUDGET_MS = {
  visionFrame: { 1: 1320, 2: 710 },
  whisperEncoder30s: { 1: 530, 2: 310 },
  llmPrefill512: { 2: 410 },
  llmStep: { 2: 11 },
} as const;

export interface ModelCostFigures {
  threads: number;
  whisper: {
    logMel5sMs: number;
    encoder5sMs: number;
    encoder30sMs: number;
    firstStepMs: number;
    stepMs: number;
  };
  vision: { preprocessMs: number; frameMs: number };
  llm: { prefill512Ms: number; prefillTurnMs: number; stepAt1kMs: number; stepAt4kMs: number };
  tts: { firstSentenceMs: number; audioMsPerCall: number; msPerSecondOfSpeech: number };
  smartTurn: { predictionMs: number };
  voiceToVoice: {
    endOfTurnSilenceMs: number;
    sttFinalMs: number;
    llmPrefillMs: number;
    firstSentenceMs: number;
    ttsFirstAudioMs: number;
    totalMs: number;
  };
  /** Measured ÷ ASSISTANT.md, where it gives a figure for this thread count; ±30 % counts as agreeing. */
  budget: { stage: string; measuredMs: number; assistantMs: number; ratio: number; agrees: boolean }[];
}

export interface ModelCostReport {
  machine: { cpu: string; cores: number; loadAvg1mBefore: number; loadAvg1mAfter: number };
  models: Record<RealSizeModelName, string>;
  figures: ModelCostFigures[];
}

async function session(path: string, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
}

export async function whisperCost(dir: string, threads: number): Promise<ModelCostFigures['whisper']> {
  const mel = new LogMelExtractor();
  const speech = randomFloats((16000 * TYPICAL_TURN.utteranceMs) / 1000, 0.1);
  const logMel5sMs = await medianMs(async () => mel.compute(speech), 5);
  const encoder = await session(join(dir, 'onnx', 'encoder_model.onnx'), threads);
  // The encoder's input is always the 30 s window (3000 frames): a 5 s utterance is padded to it.
  const features = { input_features: f32(mel.compute(speech), [1, WHISPER_BASE.mels, 3000]) };
  const encoder5sMs = await medianMs(() => encoder.run(features), 3);
  const full = { input_features: f32(randomFloats(WHISPER_BASE.mels * 3000), [1, WHISPER_BASE.mels, 3000]) };
  const encoder30sMs = await medianMs(() => encoder.run(full), 3);
  await encoder.release();
  const decoder = await session(join(dir, 'onnx', 'decoder_model_merged.onnx'), threads);
  const first = whisperDecoderFeeds(decoder, WHISPER_BASE, false, 0);
  const firstStepMs = await medianMs(() => decoder.run(first), 5);
  const step = whisperDecoderFeeds(decoder, WHISPER_BASE, true, 12);
  const stepMs = await medianMs(() => decoder.run(step), 10);
  await decoder.release();
  return { logMel5sMs, encoder5sMs, encoder30sMs, firstStepMs, stepMs };
}

export async function visionCost(dir: string, threads: number): Promise<ModelCostFigures['vision']> {
  const side = SMOLVLM_256M.tile;
  const frame = {
    rgb: Uint8Array.from(randomFloats(640 * 480 * 3, 1), (v) => (v + 1) * 127),
    width: 640,
    height: 480,
  };
  const preprocessMs = await medianMs(() => preprocessVideoFrame(frame, SMOLVLM_IMAGE_CONFIG), 5);
  const input = await preprocessVideoFrame(frame, SMOLVLM_IMAGE_CONFIG);
  const vision = await session(join(dir, SMOLVLM_LAYOUT.sessions.vision), threads);
  const feeds = {
    pixel_values: f32(input.pixels, [1, 1, 3, side, side]),
    pixel_attention_mask: new ort.Tensor('bool', new Uint8Array(side * side).fill(1), [1, 1, side, side]),
  };
  const frameMs = await medianMs(() => vision.run(feeds), 3);
  await vision.release();
  return { preprocessMs, frameMs };
}

async function llmCost(dir: string, threads: number): Promise<ModelCostFigures['llm']> {
  const decoder = await session(join(dir, SMOLVLM_LAYOUT.sessions.decoder), threads);
  const dims = {
    d: SMOLVLM_256M.d,
    kvHeads: SMOLVLM_256M.kvHeads,
    headDim: SMOLVLM_256M.d / SMOLVLM_256M.heads,
  };
  const run = (past: number, tokens: number, runs: number) => {
    const feeds = smolVlmDecoderFeeds(decoder, dims, past, tokens);
    return medianMs(() => decoder.run(feeds), runs);
  };
  const prefill512Ms = await run(0, 512, 3);
  const prefillTurnMs = await run(TYPICAL_TURN.contextTokens, TYPICAL_TURN.prefillTokens, 3);
  const stepAt1kMs = await run(1024, 1, 10);
  const stepAt4kMs = await run(4096, 1, 10);
  await decoder.release();
  return { prefill512Ms, prefillTurnMs, stepAt1kMs, stepAt4kMs };
}

async function ttsCost(dir: string, threads: number): Promise<ModelCostFigures['tts']> {
  const tts = await session(join(dir, 'onnx', 'model.onnx'), threads);
  const n = TYPICAL_TURN.firstSentencePhonemes;
  const feeds = {
    input_ids: i64([0, ...Array.from({ length: n }, (_, i) => 1 + ((i * 7) % 170)), 0], [1, n + 2]),
    style: f32(randomFloats(256), [1, 256]),
    speed: f32(Float32Array.of(1), [1]),
  };
  const out = await tts.run(feeds);
  const audioMsPerCall =
    (((out.waveform as ort.Tensor).dims[1] as number) / KOKORO_STAND_IN.sampleRateHz) * 1000;
  const firstSentenceMs = await medianMs(() => tts.run(feeds), 3);
  await tts.release();
  return { firstSentenceMs, audioMsPerCall, msPerSecondOfSpeech: (firstSentenceMs / audioMsPerCall) * 1000 };
}

async function smartTurnCost(dir: string, threads: number): Promise<ModelCostFigures['smartTurn']> {
  const model = await session(join(dir, 'smart-turn-v3.2-cpu.onnx'), threads);
  const feeds = { input_features: f32(randomFloats(80 * 800), [1, 80, 800]) };
  const predictionMs = await medianMs(() => model.run(feeds), 10);
  await model.release();
  return { predictionMs };
}

function budgetRows(f: Omit<ModelCostFigures, 'budget'>): ModelCostFigures['budget'] {
  const t = f.threads as 1 | 2;
  const rows: [string, number, number | undefined][] = [
    ['vision encoder, one 512² frame', f.vision.frameMs, ASSISTANT_BUDGET_MS.visionFrame[t]],
    ['Whisper-base encoder, 30 s window', f.whisper.encoder30sMs, ASSISTANT_BUDGET_MS.whisperEncoder30s[t]],
    [
      'SmolVLM2-256M prefill of 512 tokens',
      f.llm.prefill512Ms,
      t === 2 ? ASSISTANT_BUDGET_MS.llmPrefill512[2] : undefined,
    ],
    [
      'SmolVLM2-256M one new token (1k context)',
      f.llm.stepAt1kMs,
      t === 2 ? ASSISTANT_BUDGET_MS.llmStep[2] : undefined,
    ],
  ];
  return rows
    .filter((r): r is [string, number, number] => r[2] !== undefined)
    .map(([stage, measuredMs, assistantMs]) => {
      const ratio = measuredMs / assistantMs;
      return { stage, measuredMs, assistantMs, ratio, agrees: ratio >= 0.7 && ratio <= 1.3 };
    });
}

/** Measures every stand-in with `threads` intra-op threads per session, one model at a time. */
export async function measureModelCost(threadCounts: number[] = [2]): Promise<ModelCostReport> {
  const models = {
    'whisper-base': realSizeModelDir('whisper-base'),
    'smolvlm2-256m': realSizeModelDir('smolvlm2-256m'),
    'kokoro-82m': realSizeModelDir('kokoro-82m'),
    'smart-turn-v3': realSizeModelDir('smart-turn-v3'),
  };
  const loadAvg1mBefore = loadavg()[0] as number;
  const figures: ModelCostFigures[] = [];
  for (const threads of threadCounts) {
    const whisper = await whisperCost(models['whisper-base'], threads);
    const vision = await visionCost(models['smolvlm2-256m'], threads);
    const llm = await llmCost(models['smolvlm2-256m'], threads);
    const tts = await ttsCost(models['kokoro-82m'], threads);
    const smartTurn = await smartTurnCost(models['smart-turn-v3'], threads);
    const sttFinalMs =
      whisper.logMel5sMs +
      whisper.encoder5sMs +
      whisper.firstStepMs +
      (TYPICAL_TURN.transcriptTokens - 1) * whisper.stepMs;
    const firstSentenceMs = TYPICAL_TURN.firstSentenceTokens * llm.stepAt1kMs;
    const parts = {
      endOfTurnSilenceMs: TYPICAL_TURN.endOfTurnSilenceMs,
      sttFinalMs,
      llmPrefillMs: llm.prefillTurnMs,
      firstSentenceMs,
      ttsFirstAudioMs: tts.firstSentenceMs,
    };
    const totalMs = Object.values(parts).reduce((a, b) => a + b, 0);
    const base = { threads, whisper, vision, llm, tts, smartTurn, voiceToVoice: { ...parts, totalMs } };
    figures.push({ ...base, budget: budgetRows(base) });
  }
  const cpu = cpus();
  return {
    machine: {
      cpu: cpu[0]?.model ?? 'unknown',
      cores: cpu.length,
      loadAvg1mBefore,
      loadAvg1mAfter: loadavg()[0] as number,
    },
    models,
    figures,
  };
}

/** The report as a Markdown table per thread count, then the comparison with ASSISTANT.md. */
export function formatModelCost(report: ModelCostReport): string {
  const ms = (v: number) => `${v.toFixed(v < 20 ? 1 : 0)} ms`;
  const lines = [
    `machine: ${report.machine.cpu}, ${report.machine.cores} cores, load average ${report.machine.loadAvg1mBefore.toFixed(1)} → ${report.machine.loadAvg1mAfter.toFixed(1)}`,
  ];
  for (const f of report.figures) {
    const v = f.voiceToVoice;
    lines.push(
      '',
      `### ${f.threads} thread(s) per session`,
      '| stage | time |',
      '|---|---|',
      `| Whisper-base log-mel of 5 s | ${ms(f.whisper.logMel5sMs)} |`,
      `| Whisper-base encoder, 5 s utterance (padded: the encoder always takes the 30 s window) | ${ms(f.whisper.encoder5sMs)} |`,
      `| Whisper-base encoder, 30 s | ${ms(f.whisper.encoder30sMs)} |`,
      `| Whisper-base decoder, first step (computes the cross-attention cache) | ${ms(f.whisper.firstStepMs)} |`,
      `| Whisper-base decoder step | ${ms(f.whisper.stepMs)} |`,
      `| SmolVLM2 frame preprocessing (640×480 → 512²) | ${ms(f.vision.preprocessMs)} |`,
      `| SmolVLM2 vision encoder per frame (SigLIP-B/16 512², 64 tokens) | ${ms(f.vision.frameMs)} |`,
      `| SmolVLM2-256M prefill, 512 tokens | ${ms(f.llm.prefill512Ms)} |`,
      `| SmolVLM2-256M prefill, ${TYPICAL_TURN.prefillTokens} tokens after ${TYPICAL_TURN.contextTokens} | ${ms(f.llm.prefillTurnMs)} |`,
      `| SmolVLM2-256M decoder step at 1k context | ${ms(f.llm.stepAt1kMs)} |`,
      `| SmolVLM2-256M decoder step at 4k context | ${ms(f.llm.stepAt4kMs)} |`,
      `| Kokoro-82M stand-in, ${TYPICAL_TURN.firstSentencePhonemes} phonemes → ${ms(f.tts.audioMsPerCall)} of audio | ${ms(f.tts.firstSentenceMs)} |`,
      `| Kokoro-82M stand-in per second of speech | ${ms(f.tts.msPerSecondOfSpeech)} |`,
      `| Smart Turn v3 stand-in per prediction (float32; the real file is int8) | ${ms(f.smartTurn.predictionMs)} |`,
      '',
      `voice-to-voice with the defaults: ${ms(v.endOfTurnSilenceMs)} silence + ${ms(v.sttFinalMs)} final STT + ${ms(v.llmPrefillMs)} LLM prefill + ${ms(v.firstSentenceMs)} first sentence (${TYPICAL_TURN.firstSentenceTokens} tokens) + ${ms(v.ttsFirstAudioMs)} TTS first audio = **${ms(v.totalMs)}**`,
    );
    if (f.budget.length > 0) {
      lines.push(
        '',
        '| against ASSISTANT.md | measured | ASSISTANT.md | ratio | within ±30 % |',
        '|---|---|---|---|---|',
      );
      for (const b of f.budget)
        lines.push(
          `| ${b.stage} | ${ms(b.measuredMs)} | ${ms(b.assistantMs)} | ${b.ratio.toFixed(2)} | ${b.agrees ? 'yes' : 'no'} |`,
        );
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const arg = process.argv.find((a) => a.startsWith('--threads='));
  const threads = arg ? arg.slice('--threads='.length).split(',').map(Number) : [2];
  const report = await measureModelCost(threads);
  console.log(formatModelCost(report));
  console.log(`\n${JSON.stringify(report, null, 2)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
