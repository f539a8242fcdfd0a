// Model-runtime figures, side by side in one run: `npm run bench:models`.
// Prints numbers and ratios; asserts nothing (wall time on a shared machine is not a test).
import { RawImage } from '@huggingface/transformers';
import sharp from 'sharp';
import { LogMelExtractor } from '../models/audio/logMel.js';
import { WhisperRunner } from '../models/stt/whisper.js';
import { SileroVad } from '../models/vad/sileroVad.js';
import { preprocessStill, preprocessVideoFrame } from '../models/vision/smolvlmImage.js';
import { SMOLVLM_IMAGE_CONFIG } from '../models/vision/smolvlmImageConfig.js';
import { LIBRIVOX_WAV, read16k } from '../test/helpers/audio.js';
import {
  idefics3Oracle,
  oracleTokens,
  whisperAsrOracle,
  whisperFeatureOracle,
} from '../test/helpers/oracles.js';
import { tinyModelDir } from '../test/helpers/tinyModels.js';
import { medianMs } from './timing.js';

const fmt = (n: number, d = 1) => n.toFixed(d);

const speech = read16k(LIBRIVOX_WAV);
const thirty = Float32Array.from({ length: 16000 * 30 }, (_, i) => speech[i % speech.length] as number);

console.log('## Log-mel features (80 x 3000), median of 10');
const oracle = whisperFeatureOracle();
const ours = new LogMelExtractor();
for (const [label, audio] of [
  ['7 s utterance', speech],
  ['30 s window', thirty],
] as const) {
  const a = await medianMs(() => ours.compute(audio), 10);
  const b = await medianMs(() => oracle(audio), 10);
  console.log(`${label}: ours ${fmt(a)} ms, transformers.js ${fmt(b)} ms  ->  ${fmt(b / a, 2)}x faster`);
}

console.log('\n## Whisper transcribe loop on the same tiny ONNX files (greedy, 24 new tokens), median of 5');
const dir = tinyModelDir('whisper');
const asr = await whisperAsrOracle(dir);
const whisper = await WhisperRunner.load(dir);
const theirsRun = () => oracleTokens(asr, speech, 24);
const oursRun = () => whisper.transcribe(speech, { timestamps: false, maxNewTokens: 24 });
const theirTokens = await theirsRun();
const ourTokens = (await oursRun()).tokens.slice(0, theirTokens.length);
const w1 = await medianMs(oursRun, 5);
const w2 = await medianMs(theirsRun, 5);
console.log(
  `ours ${fmt(w1)} ms, transformers.js ${fmt(w2)} ms  ->  ${fmt(w2 / w1, 2)}x; same tokens: ${JSON.stringify(ourTokens) === JSON.stringify(theirTokens)}`,
);

console.log('\n## Silero VAD real-time factor per stream (60 s of speech, one stream)');
const vad = await SileroVad.load();
const minute = Float32Array.from({ length: 16000 * 60 }, (_, i) => speech[i % speech.length] as number);
const vadMs = await medianMs(async () => {
  const s = vad.createState();
  for (let i = 0; i < minute.length; i += 320) await s.process(minute.subarray(i, i + 320));
}, 3);
console.log(
  `${fmt(vadMs)} ms for 60 000 ms of audio: RTF ${fmt(vadMs / 60000, 4)} (${fmt(60000 / vadMs, 0)} streams per core in real time)`,
);

console.log('\n## SmolVLM frame preprocessing, frames/s (median of 10)');
const frame = await sharp({
  create: { width: 640, height: 480, channels: 3, background: { r: 30, g: 90, b: 160 } },
})
  .raw()
  .toBuffer();
const idefics = idefics3Oracle();
const raw = new RawImage(new Uint8ClampedArray(frame), 640, 480, 3);
const videoOurs = await medianMs(
  () => preprocessVideoFrame({ rgb: frame, width: 640, height: 480 }, SMOLVLM_IMAGE_CONFIG),
  10,
);
const videoTheirs = await medianMs(() => idefics(raw, { do_image_splitting: false }), 10);
console.log(
  `video frame 640x480 -> one 512² image: ours ${fmt(1000 / videoOurs)} frames/s, transformers.js ${fmt(1000 / videoTheirs)} frames/s  ->  ${fmt(videoTheirs / videoOurs, 2)}x`,
);
const png = await sharp(frame, { raw: { width: 640, height: 480, channels: 3 } })
  .png()
  .toBuffer();
const stillOurs = await medianMs(() => preprocessStill(png, SMOLVLM_IMAGE_CONFIG), 5);
const stillTheirs = await medianMs(
  async () => idefics(await RawImage.fromBlob(new Blob([new Uint8Array(png)]))),
  5,
);
console.log(
  `still 640x480 -> 12 tiles + global: ours ${fmt(stillOurs)} ms, transformers.js ${fmt(stillTheirs)} ms  ->  ${fmt(stillTheirs / stillOurs, 2)}x`,
);

await Promise.all([whisper.dispose(), vad.dispose(), asr.dispose()]);
process.exit(0);
