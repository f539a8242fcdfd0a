// The live assistant's own cost, on the real timing path with instant fakes: the end of turn
// comes endOfTurnSilenceMs after the end of speech (in real time), TTS audio goes through the
// resampler (24 → 48 kHz, warm converters) to a FakeAudioOutput pacing 20 ms packets in real time.
// Sections print one table each; more sections (model cost, compressor, return path) join the list.
// Run: npm run bench:assistant [-- --only NAME] [--turns N]
import { availableParallelism, loadavg } from 'node:os';
import { AsyncQueue } from '../core/asyncQueue.js';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/log.js';
import type { AudioFrame } from '../core/media.js';
import { Assistant } from '../pipelines/assistant/assistant.js';
import type { AssistantModels } from '../pipelines/assistant/deps.js';
import { nullMetrics } from '../pipelines/core/metrics.js';
import type { ListenEvent } from '../pipelines/listen/events.js';
import { TURN_DEFAULTS } from '../pipelines/listen/turnDetector.js';
import { FakeAudioOutput } from '../pipelines/testing/fakes/fakeAudioOutput.js';
import { FakeLlm } from '../pipelines/testing/fakes/fakeLlm.js';
import { FakeStt } from '../pipelines/testing/fakes/fakeStt.js';
import { FakeTts } from '../pipelines/testing/fakes/fakeTts.js';
import { FakeVad } from '../pipelines/testing/fakes/fakeVad.js';
import type { TurnMetrics } from '../protocol/messages.js';
import { loadModelSet } from '../server/assistant/modelSet.js';
import { loadConfig } from '../server/config.js';
import { tinyModelSetDir } from '../test/helpers/tinyModels.js';
import { measureReturnPath } from './returnPath.js';

/** One printed table. */
interface Table {
  title: string;
  header: string[];
  rows: (string | number)[][];
  note?: string;
}

/** A named bench section. */
interface Section {
  name: string;
  run(args: Args): Promise<Table>;
}

interface Args {
  turns: number;
}

const EOT_SILENCE_MS = TURN_DEFAULTS.endOfTurnSilenceMs;
const MIN_SPEECH_MS = 500;
const PACKET_MS = 20;

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const f1 = (n: number) => n.toFixed(1);

/** An assistant on instant fakes, in real time, driven by listen events the bench pushes. */
function realtimeAssistant(answer: string, given?: AssistantModels, maxNewTokens?: number) {
  const events = new AsyncQueue<ListenEvent>(64);
  const output = new FakeAudioOutput({ clock: systemClock, record: true });
  const models: AssistantModels = given ?? {
    vad: new FakeVad(),
    stt: new FakeStt(),
    llm: new FakeLlm({ reply: answer }),
    tts: new FakeTts({ sampleRateHz: 24000, msPerChar: 60, chunkMs: 100 }),
    turn: null,
    ocr: null,
    vision: null,
  };
  const call = new AbortController();
  const callStartMs = systemClock.nowMs();
  const assistant = new Assistant(
    { models, output, clock: systemClock, log: silentLogger, metrics: nullMetrics, signal: call.signal },
    { listen: () => events, echo: null, watch: null },
    { callStartMs, bargeInMinSpeechMs: MIN_SPEECH_MS, ...(maxNewTokens ? { maxNewTokens } : {}) },
  );
  const silence = (async function* (): AsyncGenerator<AudioFrame> {})();
  void assistant.listen(silence);
  const metrics: TurnMetrics[] = [];
  assistant.on('metrics', (m) => metrics.push(m));
  const pts = () => systemClock.nowMs() - callStartMs;
  let n = 0;
  /** The person speaks for `speechMs` (from now), then the real end-of-turn silence; resolves at the reply's end. */
  const speak = async (speechMs: number) => {
    const id = `u${++n}`;
    const onset = pts();
    const finalReply = new Promise<void>((resolve) => {
      const on = (r: { final: boolean }) => {
        if (r.final) {
          assistant.off('reply', on);
          resolve();
        }
      };
      assistant.on('reply', on);
    });
    events.push({ type: 'speech-started', ptsMs: onset, audioStartMs: onset, atMs: systemClock.nowMs() });
    await wait(speechMs);
    const speechEndMs = pts();
    await wait(EOT_SILENCE_MS);
    const at = systemClock.nowMs();
    events.push({ type: 'end-of-turn', reason: 'silence', turnStartMs: onset, speechEndMs, atMs: at });
    events.push({
      type: 'transcript',
      utteranceId: id,
      text: 'Hello?',
      final: true,
      startMs: onset,
      endMs: speechEndMs,
      atMs: at,
    });
    await finalReply;
  };
  const close = () => {
    assistant.close();
    events.close();
    call.abort();
  };
  return { assistant, events, output, metrics, speak, close, pts, callStartMs };
}

const overhead: Section = {
  name: 'overhead',
  async run({ turns }) {
    const a = realtimeAssistant('OK.');
    await wait(100); // the converter pool warms
    for (let i = 0; i < turns; i++) await a.speak(300);
    a.close();
    const v2v = a.metrics.map((m) => m.voiceToVoiceMs ?? Number.NaN);
    const over = v2v.map((v) => v - EOT_SILENCE_MS);
    // From the end-of-turn decision: what the assistant adds, without the timer's own lateness.
    const afterEot = a.metrics.map(
      (m) => (m.voiceToVoiceMs ?? Number.NaN) - (m.endOfTurnDelayMs ?? Number.NaN),
    );
    return {
      title: `Framework overhead: voice-to-voice with instant fakes − end-of-turn silence (${EOT_SILENCE_MS} ms), ${turns} turns`,
      header: ['', 'p50 ms', 'p95 ms', 'max ms'],
      rows: [
        ['voice-to-voice', f1(pct(v2v, 50)), f1(pct(v2v, 95)), f1(Math.max(...v2v))],
        ['overhead', f1(pct(over, 50)), f1(pct(over, 95)), f1(Math.max(...over))],
        [
          'end-of-turn → first packet',
          f1(pct(afterEot, 50)),
          f1(pct(afterEot, 95)),
          f1(Math.max(...afterEot)),
        ],
      ],
      note: 'target: overhead p50 ≤ 30 ms',
    };
  },
};

const bargeIn: Section = {
  name: 'barge-in',
  async run({ turns }) {
    const trials = Math.max(5, Math.round(turns / 2));
    const a = realtimeAssistant(
      'This is a long answer that keeps going. It has a second sentence too. And a third one.',
    );
    await wait(100);
    const delays: number[] = [];
    for (let i = 0; i < trials; i++) {
      a.assistant.sendText('Talk.');
      while (a.assistant.state !== 'speaking') await wait(5);
      await wait(300 + ((i * 37) % 200));
      const playbackId = a.output.playbacks.at(-1)?.id;
      // Speech began 250 ms ago (the VAD needs that much to say so); no words follow.
      const onsetAtMs = systemClock.nowMs() - 250;
      const onset = a.pts() - 250;
      a.events.push({ type: 'speech-started', ptsMs: onset, audioStartMs: onset, atMs: systemClock.nowMs() });
      while ((a.assistant.state as string) !== 'interrupted') await wait(2);
      await wait(3 * PACKET_MS);
      const last = a.output.packets.filter((p) => p.playbackId === playbackId).at(-1)?.atMs ?? Number.NaN;
      delays.push(last - onsetAtMs);
      a.assistant.sendText('Stop.'); // ends the interrupted turn
      await wait(50);
    }
    a.close();
    return {
      title: `Barge-in: onset of the person's speech → last assistant packet sent (${trials} trials)`,
      header: ['', 'p50 ms', 'p95 ms', 'max ms'],
      rows: [['onset → last packet', f1(pct(delays, 50)), f1(pct(delays, 95)), f1(Math.max(...delays))]],
      note: `target: ≤ minimum speech (${MIN_SPEECH_MS} ms) + one packet (${PACKET_MS} ms)`,
    };
  },
};

/** Assistants in one process, doubling until voice-to-voice p95 doubles; `models` shared by all (null: instant fakes). */
async function concurrency(turns: number, models: AssistantModels | null, label: string): Promise<Table> {
  const perCall = Math.max(3, Math.round(turns / 10));
  const rows: (string | number)[][] = [];
  let baseP95 = Number.NaN;
  for (let calls = 1; calls <= 256; calls *= 2) {
    const all = Array.from({ length: calls }, () =>
      models ? realtimeAssistant('', models, 12) : realtimeAssistant('OK, sure.'),
    );
    await wait(200);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      all.map(async (a, i) => {
        await wait((i * 97) % 300); // not all in step
        for (let k = 0; k < perCall; k++) await a.speak(300);
      }),
    );
    const cpu = process.cpuUsage(cpu0);
    const cpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - t0);
    for (const a of all) a.close();
    const v2v = all.flatMap((a) => a.metrics.map((m) => m.voiceToVoiceMs ?? Number.NaN));
    const p95 = pct(v2v, 95);
    if (calls === 1) baseP95 = p95;
    rows.push([calls, f1(pct(v2v, 50)), f1(p95), f1(cpuShare * 100)]);
    if (p95 > 2 * baseP95) break;
  }
  return {
    title: `Concurrent calls on one process with ${label} (${perCall} turns each) until voice-to-voice p95 doubles`,
    header: ['calls', 'v2v p50 ms', 'v2v p95 ms', 'CPU % of one core'],
    rows,
    note: `the last row is the first whose p95 is more than twice the single call's (${f1(baseP95)} ms), if reached`,
  };
}

const concurrent: Section = {
  name: 'concurrent',
  run: ({ turns }) => concurrency(turns, null, 'instant fakes'),
};

const concurrentTiny: Section = {
  name: 'concurrent-tiny',
  async run({ turns }) {
    const set = await tinySet();
    try {
      return await concurrency(turns, set.models as AssistantModels, 'the tiny models (shared)');
    } finally {
      await set.dispose();
    }
  },
};

const returnPath: Section = {
  name: 'return-path',
  async run() {
    const calls = 5;
    const rows: (string | number)[][] = [];
    for (const [label, env] of [
      ['nothing sent between replies', { RETURN_AUDIO_IDLE_SILENCE: 'false' }],
      ['silence sent between replies', { RETURN_AUDIO_IDLE_SILENCE: 'true' }],
    ] as [string, Record<string, string>][]) {
      const byIndex = await measureReturnPath({
        calls,
        repliesPerCall: 3,
        firstReplyAfterMs: 4000,
        gapMs: 3000,
        env,
      });
      byIndex.forEach((xs, i) => {
        rows.push([label, i + 1, xs.length, f1(pct(xs, 50)), f1(Math.min(...xs)), f1(Math.max(...xs))]);
      });
    }
    return {
      title: `Return path: first packet sent → heard in a real Chromium page, first three replies of ${calls} fresh calls`,
      header: ['setting', 'reply #', 'n', 'p50 ms', 'min ms', 'max ms'],
      rows,
      note: "target: p50 ≤ 50 ms for the first reply (Chromium's jitter buffer starts large and shrinks during a call)",
    };
  },
};

/** The tiny random model set, loaded as the server loads it. */
async function tinySet() {
  const env = process.env.MODEL_THREADS ? { MODEL_THREADS: process.env.MODEL_THREADS } : {};
  const config = loadConfig({ SIGHTLINE_MODELS_DIR: tinyModelSetDir(), LOG_LEVEL: 'error', ...env });
  const set = await loadModelSet({ config: config.assistant, log: silentLogger });
  if (!set.models) throw new Error('the tiny model set did not load');
  return set;
}

/** The tiny random model set (LLM, TTS) behind the same timing path: what the models add on this machine. */
const tiny: Section = {
  name: 'tiny',
  async run({ turns }) {
    const config = loadConfig({
      SIGHTLINE_MODELS_DIR: tinyModelSetDir(),
      LOG_LEVEL: 'error',
      ...(process.env.MODEL_THREADS ? { MODEL_THREADS: process.env.MODEL_THREADS } : {}),
    });
    const set = await loadModelSet({ config: config.assistant, log: silentLogger });
    if (!set.models) throw new Error('the tiny model set did not load');
    const n = Math.max(5, Math.round(turns / 5));
    const a = realtimeAssistant('', set.models as AssistantModels, 12);
    await wait(300);
    for (let i = 0; i < n; i++) await a.speak(300);
    a.close();
    await set.dispose();
    const col = (f: (m: TurnMetrics) => number | null) => a.metrics.map((m) => f(m) ?? Number.NaN);
    const row = (label: string, xs: number[]) => [
      label,
      f1(pct(xs, 50)),
      f1(pct(xs, 95)),
      f1(Math.max(...xs)),
    ];
    const v2v = col((m) => m.voiceToVoiceMs);
    return {
      title: `The tiny models (SmolVLM2 and Kokoro stand-ins, 12 tokens) on the same path, ${n} turns`,
      header: ['', 'p50 ms', 'p95 ms', 'max ms'],
      rows: [
        row('voice-to-voice', v2v),
        row(
          'overhead (− end-of-turn silence)',
          v2v.map((v) => v - EOT_SILENCE_MS),
        ),
        row(
          'LLM time to first token',
          col((m) => m.llmTtftMs),
        ),
        row(
          'TTS time to first audio',
          col((m) => m.ttsTtfbMs),
        ),
      ],
      note: 'the listen lane is scripted here (bench:listen measures it); tiny models are tiny: bench:models:real has the real sizes',
    };
  },
};

/** Sections run by default; the others (browser, real-size models) with --only NAME. */
const SECTIONS: Section[] = [overhead, bargeIn, concurrent, tiny, concurrentTiny];
const OPTIONAL: Section[] = [returnPath];

function print(t: Table): void {
  console.log(`\n## ${t.title}\n`);
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) =>
    `| ${cells.map((c, i) => String(c).padStart(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(t.header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of t.rows) console.log(line(r));
  if (t.note) console.log(`\n${t.note}`);
}

function parseArgs(argv: string[]): Args & { only: string | null } {
  const at = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? (argv[i + 1] ?? null) : null;
  };
  return { only: at('--only'), turns: Number(at('--turns') ?? 50) };
}

const args = parseArgs(process.argv.slice(2));
const chosen = args.only === null ? SECTIONS : [...SECTIONS, ...OPTIONAL].filter((s) => s.name === args.only);
if (chosen.length === 0) {
  console.error(
    `no section ${args.only}; sections: ${[...SECTIONS, ...OPTIONAL].map((s) => s.name).join(', ')}`,
  );
  process.exit(2);
}
console.log(`# bench:assistant — ${availableParallelism()} cores, load ${loadavg()[0]?.toFixed(2)}`);
for (const s of chosen) print(await s.run(args));
