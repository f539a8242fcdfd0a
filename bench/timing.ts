/** Median wall time (ms) of `runs` calls, after one warm-up call. */
export async function medianMs(fn: () => Promise<unknown> | unknown, runs: number): Promise<number> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)] as number;
}
