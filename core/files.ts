/** True for the error `readFile`/`stat` give when the file does not exist. */
export function isMissingFile(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT';
}
