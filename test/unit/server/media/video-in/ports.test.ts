import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { findFreeUdpPortPair } from '../../../../../server/media/video-in/ports.js';

describe('findFreeUdpPortPair', () => {
  it('skips a taken pair and returns a free even port', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((r) => taken.bind(0, '127.0.0.1', () => r()));
    const busy = taken.address().port;
    const min = busy % 2 === 0 ? busy : busy - 1;
    try {
      const port = await findFreeUdpPortPair('127.0.0.1', min, min + 4);
      expect(port).toBe(min + 2);
    } finally {
      taken.close();
    }
  });

  it('reports a host it cannot bind instead of "no free port pair"', async () => {
    // 203.0.113.1 (TEST-NET-3) is not an address of this host: EADDRNOTAVAIL.
    await expect(findFreeUdpPortPair('203.0.113.1', 40000, 40010)).rejects.toMatchObject({
      code: 'EADDRNOTAVAIL',
    });
  });
});
