import type { Device, types as msc } from 'mediasoup-client';
import { SightlineError } from '../../protocol/errors.js';
import type { MediaRequest } from './media.js';

/**
 * A send or receive transport whose `connect` and `produce` go through
 * `request`, which always uses the session's current signaling connection (so a
 * transport created before a reconnect keeps working after it).
 */
export async function createTransport(
  device: Device,
  direction: 'send' | 'recv',
  request: MediaRequest,
): Promise<msc.Transport> {
  const params = await request('createTransport', { direction });
  const options = params as unknown as msc.TransportOptions;
  const transport =
    direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
  transport.on('connect', ({ dtlsParameters }, callback, errback) => {
    request('connectTransport', {
      transportId: transport.id,
      dtlsParameters: dtlsParameters as unknown as Record<string, unknown>,
    }).then(() => callback(), errback);
  });
  if (direction === 'send') {
    transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      request('produce', {
        transportId: transport.id,
        kind,
        source: appData.source as 'mic' | 'camera' | 'screen',
        rtpParameters: rtpParameters as unknown as Record<string, unknown>,
      }).then(({ producerId }) => callback({ id: producerId }), errback);
    });
  }
  return transport;
}

/** Consumes the assistant's voice on `transport` and resumes it on the server. */
export async function consumeAssistant(
  device: Device,
  transport: msc.Transport,
  request: MediaRequest,
): Promise<msc.Consumer> {
  const params = await request('consumeAssistant', {
    transportId: transport.id,
    rtpCapabilities: device.rtpCapabilities as unknown as Record<string, unknown>,
  });
  const consumer = await transport.consume({
    id: params.consumerId,
    producerId: params.producerId,
    kind: params.kind,
    rtpParameters: params.rtpParameters as unknown as msc.RtpParameters,
  });
  await request('resumeConsumer', { consumerId: consumer.id });
  return consumer;
}

/** Resolves once the transport is `connected` (ICE and DTLS done); ERR_MEDIA on failure or after `timeoutMs`. */
export function waitConnected(transport: msc.Transport, timeoutMs: number): Promise<void> {
  if (transport.connectionState === 'connected') return Promise.resolve();
  const closed = () => new SightlineError('ERR_MEDIA', `the ${transport.direction} transport closed`);
  if (transport.closed) return Promise.reject(closed());
  return new Promise((resolve, reject) => {
    const done = (error?: SightlineError) => {
      clearTimeout(timer);
      transport.off('connectionstatechange', onState);
      transport.observer.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onState = (state: msc.ConnectionState) => {
      if (state === 'connected') done();
      else if (state === 'failed' || state === 'closed') {
        done(new SightlineError('ERR_MEDIA', `the ${transport.direction} transport ${state}`));
      }
    };
    // close() (a hang-up) emits no connection state: without this the wait ran to its timeout.
    const onClose = () => done(closed());
    const timer = setTimeout(
      () => done(new SightlineError('ERR_MEDIA', `ICE and DTLS did not complete in ${timeoutMs} ms`)),
      timeoutMs,
    );
    transport.on('connectionstatechange', onState);
    transport.observer.on('close', onClose);
  });
}
