/** Where a CLI command writes: stdout for results and requested help, stderr for progress and errors. */
export interface CliIo {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

/** The process's own streams. */
export const processIo: CliIo = { out: process.stdout, err: process.stderr };
