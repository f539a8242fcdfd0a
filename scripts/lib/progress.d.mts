/** Sees each output line of a logged command; may return text to print now; reports a status for heartbeats. */
export interface LineTracker {
  line(line: string): string | undefined;
  status(): string;
}

export interface RunLoggedOptions {
  logPath: string;
  label: string;
  print: (text: string) => void;
  tracker?: LineTracker;
  heartbeatMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs a command with its output in `logPath`; prints tracker lines and a heartbeat; resolves true on exit 0. */
export function runLogged(cmd: string, args: string[], options: RunLoggedOptions): Promise<boolean>;
/** The last `n` lines of a log file ('' when there is none). */
export function tailOf(path: string, n?: number): string;
/** A tracker that prints nothing and has no status. */
export function nullTracker(): LineTracker;
/** Follows apt-get and dpkg output: packages fetched, unpacked and set up. */
export function aptTracker(): LineTracker & { readonly packages: number | null };
/** Follows the worker build: ninja's [n/N] as status, `[worker]` lines printed. */
export function ninjaTracker(): LineTracker;
