import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { blockPorts, clearNetBlocks, netBlockTables, netBlockUnavailable } from '../helpers/netBlock.js';

/** Below the ephemeral range (32768+): nobody else's socket lands here by chance. */
const RANGE = { minPort: 31_400, maxPort: 31_409 };
const INSIDE = 31_405;
const OUTSIDE = 31_420;

/** How many of `count` datagrams sent to 127.0.0.1:port arrive. */
async function udpDelivered(port: number, count = 5): Promise<number> {
  const server = dgram.createSocket('udp4');
  let got = 0;
  server.on('message', () => got++);
  await new Promise<void>((resolve) => server.bind(port, '127.0.0.1', resolve));
  const client = dgram.createSocket('udp4');
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve) => client.send('x', port, '127.0.0.1', () => resolve()));
  }
  // Loopback delivers in microseconds; the wait only has to outlast the send queue.
  await new Promise((r) => setTimeout(r, 200));
  client.close();
  server.close();
  return got;
}

/** Whether a TCP connection to 127.0.0.1:port is accepted within 500 ms. */
async function tcpConnects(port: number): Promise<boolean> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  try {
    return await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      const timer = setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 500);
      s.once('connect', () => {
        clearTimeout(timer);
        s.destroy();
        resolve(true);
      });
      s.once('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  } finally {
    await new Promise((r) => server.close(r));
  }
}

describe('netBlock: a loopback port range broken with nftables, and always mended', () => {
  afterEach(async () => {
    await clearNetBlocks();
  });

  it('runs here (root and nft present); otherwise says what is missing', async () => {
    expect(await netBlockUnavailable()).toBeNull();
  });

  it('drops UDP and TCP to the range only, and lets everything through again after unblock', async () => {
    expect(await udpDelivered(INSIDE)).toBe(5);
    const block = await blockPorts(RANGE);
    expect(block.active).toBe(true);
    expect(await udpDelivered(INSIDE)).toBe(0);
    expect(await udpDelivered(OUTSIDE)).toBe(5);
    expect(await tcpConnects(INSIDE)).toBe(false);
    expect(await tcpConnects(OUTSIDE)).toBe(true);
    await block.unblock();
    await block.unblock();
    expect(block.active).toBe(false);
    expect(await netBlockTables()).toEqual([]);
    expect(await udpDelivered(INSIDE)).toBe(5);
    expect(await tcpConnects(INSIDE)).toBe(true);
  });

  it('removes a table left by a process that died, and leaves a live process alone', async () => {
    // A table named after a pid that cannot exist (above pid_max): a run killed mid-block.
    execFileSync('nft', ['add', 'table', 'inet', 'sightline_netblock_99999999']);
    // One named after a live process (our parent) belongs to someone else's run.
    const live = `sightline_netblock_${process.ppid}`;
    execFileSync('nft', ['add', 'table', 'inet', live]);
    try {
      await clearNetBlocks();
      expect(await netBlockTables()).toEqual([live]);
    } finally {
      execFileSync('nft', ['delete', 'table', 'inet', live]);
    }
  });

  it('refuses a nonsense range', async () => {
    await expect(blockPorts({ minPort: 5000, maxPort: 4000 })).rejects.toThrow(/bad port range/);
  });
});
