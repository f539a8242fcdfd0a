import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Breaks a network path on the loopback interface with nftables: every packet
 * to or from a port range (UDP and TCP) is dropped, as a firewall or a dead
 * Wi-Fi would, while the rest of `lo` (HTTP, WebSocket, other tests) goes on.
 * The rules live in a table of their own, named after this process, so removing
 * it removes exactly them; a table left by a killed run is removed at the next
 * block. Needs root (CAP_NET_ADMIN) and `nft` (Debian package nftables, in
 * scripts/setup.mjs's APT_TEST): without them `blockPorts` fails with a message
 * saying so, never skips.
 */

const TABLE_PREFIX = 'sightline_netblock_';
const NFT = process.env.NFT_PATH ?? 'nft';

export interface PortRange {
  minPort: number;
  maxPort: number;
}

/** An active block; `unblock` is idempotent. */
export interface PortBlock {
  readonly range: PortRange;
  readonly active: boolean;
  unblock(): Promise<void>;
}

function tableName(pid = process.pid): string {
  return `${TABLE_PREFIX}${pid}`;
}

/** Why blocking cannot work here, or null when it can. */
export async function netBlockUnavailable(): Promise<string | null> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'blocking the media port needs root (CAP_NET_ADMIN): run the e2e tests as root, as CI does';
  }
  try {
    await run(NFT, ['--version']);
  } catch {
    return `\`${NFT}\` not found: install Debian's nftables (node scripts/setup.mjs --for=test does)`;
  }
  try {
    await run(NFT, ['list', 'tables']);
  } catch (error) {
    return `nft cannot talk to the kernel's nf_tables: ${(error as Error).message}`;
  }
  return null;
}

/** Tables this helper created that are still loaded (this process's and those of dead ones). */
export async function netBlockTables(): Promise<string[]> {
  const { stdout } = await run(NFT, ['list', 'tables']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w[0] === 'table' && w[1] === 'inet' && w[2]?.startsWith(TABLE_PREFIX))
    .map((w) => w[2] as string);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes this process's table and any left by processes that died before cleaning up. */
export async function clearNetBlocks(): Promise<void> {
  for (const t of await netBlockTables()) {
    const pid = Number(t.slice(TABLE_PREFIX.length));
    if (pid === process.pid || !pidAlive(pid)) await run(NFT, ['delete', 'table', 'inet', t]);
  }
}

/** The rule set: drop loopback packets whose source or destination port is in the range. */
export function blockRuleset(range: PortRange, table = tableName()): string {
  const ports = `${range.minPort}-${range.maxPort}`;
  return [
    `table inet ${table} {`,
    '  chain input {',
    '    type filter hook input priority -10; policy accept;',
    `    iifname "lo" meta l4proto { udp, tcp } th dport ${ports} drop`,
    `    iifname "lo" meta l4proto { udp, tcp } th sport ${ports} drop`,
    '  }',
    '}',
  ].join('\n');
}

let exitHookInstalled = false;
/** Last resort: a process that exits with a block in place (a crash between block and unblock) removes it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    try {
      execFileSync(NFT, ['delete', 'table', 'inet', tableName()], { stdio: 'ignore' });
    } catch {
      // none left: unblocked already
    }
  });
}

/**
 * Drops every loopback packet to or from `range` until `unblock()`. Ranges below
 * the ephemeral ports (32768+) keep the block off everyone else's sockets.
 * Throws a clear error when root or nft is missing.
 */
export async function blockPorts(range: PortRange): Promise<PortBlock> {
  if (!(range.minPort >= 1 && range.maxPort >= range.minPort && range.maxPort <= 65535)) {
    throw new Error(`bad port range ${range.minPort}-${range.maxPort}`);
  }
  const why = await netBlockUnavailable();
  if (why) throw new Error(`cannot break the network path: ${why}`);
  await clearNetBlocks();
  installExitHook();
  const table = tableName();
  await new Promise<void>((resolve, reject) => {
    const child = execFile(NFT, ['-f', '-'], (error) => (error ? reject(error) : resolve()));
    child.stdin?.end(blockRuleset(range, table));
  });
  let active = true;
  return {
    range,
    get active() {
      return active;
    },
    async unblock() {
      if (!active) return;
      active = false;
      await run(NFT, ['delete', 'table', 'inet', table]).catch(async (error: unknown) => {
        // Already gone (cleared elsewhere) is fine; still present is not.
        if ((await netBlockTables()).includes(table)) throw error;
      });
    },
  };
}
