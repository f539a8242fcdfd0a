/** Every item `source` yields, in order, once it ends (Node 20 has no `Array.fromAsync`). */
export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}
