// Resampler quality and cost: TTS rates (22.05 and 24 kHz) to the sink's 48 kHz, ours
// (libsamplerate sinc, three qualities) against `sox rate -v` and against the ideal signal.
// Run: npm run bench:resample
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { silentLogger } from '../core/log.js';
import type { PcmChunk } from '../core/media.js';
import { createResampler, type ResampleQuality } from '../pipelines/audio/resample.js';
import { energyAboveDb, fromPcm16, logSweep, snrDb, toPcm16 } from '../test/helpers/sweep.js';

const OUT_HZ = 48000;
const DURATION_S = 5;
const QUALITIES: ResampleQuality[] = ['best', 'medium', 'fastest'];
const fmt = (n: number, d = 1) => n.toFixed(d).padStart(7);

/** Ours, fed in 20 ms chunks as a TTS stream would be; returns the output and the CPU time spent. */
async function ours(pcm: Int16Array, inHz: number, quality: ResampleQuality) {
  const chunk = Math.round(inHz / 50);
  async function* source(): AsyncGenerator<PcmChunk> {
    for (let i = 0; i < pcm.length; i += chunk)
      yield { samples: pcm.subarray(i, i + chunk), sampleRateHz: inHz, ptsMs: (i * 1000) / inHz };
  }
  const parts: Int16Array[] = [];
  const cpu0 = process.cpuUsage();
  for await (const c of createResampler({ targetRateHz: OUT_HZ, quality })(source(), { log: silentLogger }))
    parts.push(c.samples);
  const cpu = process.cpuUsage(cpu0);
  const out = new Int16Array(parts.reduce((a, p) => a + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return { out: fromPcm16(out), cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** sox's very-high-quality rate effect, without dither, cut or padded to the ideal length. */
function sox(pcm: Int16Array, inHz: number, length: number): Float64Array {
  const raw = ['-t', 'raw', '-e', 'signed-integer', '-b', '16', '-c', '1'];
  const out = execFileSync(
    'sox',
    ['-D', ...raw, '-r', String(inHz), '-', ...raw, '-', 'rate', '-v', String(OUT_HZ)],
    { input: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength), maxBuffer: 64 << 20 },
  );
  const y = fromPcm16(new Int16Array(out.buffer, out.byteOffset, out.byteLength / 2));
  const fitted = new Float64Array(length);
  fitted.set(y.subarray(0, length));
  return fitted;
}

async function converterCreateMs(quality: ResampleQuality): Promise<number> {
  const t0 = performance.now();
  const resample = createResampler({ targetRateHz: OUT_HZ, quality });
  const one = (async function* (): AsyncGenerator<PcmChunk> {
    yield { samples: new Int16Array(480), sampleRateHz: 24000, ptsMs: 0 };
  })();
  for await (const _ of resample(one, { log: silentLogger })) break;
  return performance.now() - t0;
}

console.log(`## Resampling a ${DURATION_S} s log sweep (50 Hz to a share of the source Nyquist) to 48 kHz`);
console.log('SNR in dB against the ideal sweep and against sox; "above Nyq": energy above the source');
console.log('Nyquist relative to all energy (aliasing and imaging), dB. CPU: ms per second of audio.\n');
console.log(
  'source    to      converter   SNR/ideal  SNR/sox  above Nyq   CPU ms/s',
  '\n--------  ------  ---------   ---------  -------  ---------   --------',
);
for (const inHz of [22050, 24000]) {
  for (const share of [0.8, 0.95]) {
    const sweep = { durationS: DURATION_S, fromHz: 50, toHz: (inHz / 2) * share, amplitude: 0.5 };
    const pcm = toPcm16(logSweep({ ...sweep, rateHz: inHz }));
    const ideal = logSweep({ ...sweep, rateHz: OUT_HZ });
    const ref = sox(pcm, inHz, ideal.length);
    const row = (name: string, y: Float64Array, cpuMs: number | null) =>
      console.log(
        `${String(inHz).padEnd(8)}  ${`${share * 100}%`.padEnd(6)}  ${name.padEnd(9)}  ${fmt(snrDb(ideal, y, 0, ideal.length))}  ${
          y === ref ? '      -' : fmt(snrDb(ref, y, 0, ideal.length))
        }  ${fmt(energyAboveDb(y, OUT_HZ, inHz / 2, 0, y.length))}   ${cpuMs === null ? '      -' : fmt(cpuMs / DURATION_S, 2)}`,
      );
    for (const q of QUALITIES) {
      const { out, cpuMs } = await ours(pcm, inHz, q);
      if (out.length !== ideal.length)
        throw new Error(`${q}: ${out.length} samples, expected ${ideal.length}`);
      row(q, out, cpuMs);
    }
    row('sox -v', ref, null);
  }
}
console.log('\n## Converter start-up (each converter instantiates its own WASM module), ms');
for (const q of QUALITIES) {
  const first = await converterCreateMs(q);
  const next: number[] = [];
  for (let i = 0; i < 5; i++) next.push(await converterCreateMs(q));
  next.sort((a, b) => a - b);
  console.log(`${q.padEnd(8)} first ${fmt(first)}   median of the next 5 ${fmt(next[2] as number)}`);
}
console.log(
  `\nload average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores (CPU figures scale with it)`,
);
