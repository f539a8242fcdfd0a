import { createSocket } from 'node:dgram';
import { SightlineError } from '../../../protocol/errors.js';

/** Whether `port` can be bound now; a failure other than "taken" (a bad host, say) is thrown. */
function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', (error: NodeJS.ErrnoException) => {
      s.close();
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(false);
      else reject(error);
    });
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

/**
 * Finds a free pair of consecutive UDP ports (even RTP port, RTCP = RTP + 1) in
 * [minPort, maxPort] for a process that binds them itself (ffmpeg).
 */
export async function findFreeUdpPortPair(host: string, minPort: number, maxPort: number): Promise<number> {
  const span = Math.floor((maxPort - minPort) / 2);
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < Math.min(span, 200); i++) {
    const port = minPort + ((start + i) % span) * 2;
    if ((await bindable(port, host)) && (await bindable(port + 1, host))) return port;
  }
  throw new SightlineError('ERR_MEDIA', `no free UDP port pair in ${minPort}-${maxPort}`);
}
