import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SightlineServer } from '../../server/app.js';
import type { Call } from '../../server/call/call.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { openSdkPage, type SdkPage } from '../helpers/sdkPage.js';
import { startTestServer, waitFor } from '../helpers/server.js';

/*
 * Screen share and device switching from the SDK in real Chromium: three fake cameras and
 * microphones (`device-count=3`), and Chromium's fake screen for getDisplayMedia (the fake
 * UI accepts the picker). Chromium's second fake camera (fake_device_1) is a Y16 depth
 * camera whose frames render but never reach an encoder (a plain RTCPeerConnection shows the
 * same), so the switch goes to the third (fake_device_2, MJPEG), as a real webcam would. Asserted on the server: which producers exist, which video tap
 * the assistant watches, and that frames keep arriving through each change.
 */

/** Frames a tap put out over `ms` of real time. */
async function growth(read: () => number, ms: number): Promise<number> {
  const before = read();
  await new Promise((r) => setTimeout(r, ms));
  return read() - before;
}

describe('screen share and device switching, asserted on the server', () => {
  let server: SightlineServer;
  let browser: TestBrowser;
  let sdk: SdkPage;
  let call: Call;

  const sources = () =>
    call.producers
      .filter((p) => !p.paused)
      .map((p) => p.source)
      .sort();
  const localLabels = () =>
    sdk.page.evaluate(() => {
      const s = (globalThis as unknown as { __sl: { session: { localStream: MediaStream | null } } }).__sl
        .session;
      const tracks = s.localStream?.getTracks() ?? [];
      return Object.fromEntries(tracks.map((t) => [t.kind, t.label]));
    });
  const devices = (kind: MediaDeviceKind) =>
    sdk.page.evaluate(
      async (k) =>
        (await navigator.mediaDevices.enumerateDevices())
          .filter((d) => d.kind === k && d.deviceId !== 'default')
          .map((d) => ({ id: d.deviceId, label: d.label })),
      kind,
    );

  beforeAll(async () => {
    server = await startTestServer({ VIDEO_FPS: '2' });
    browser = await launchBrowser({ deviceCount: 3 });
    sdk = await openSdkPage(browser.browser, server.url);
    const callPromise = new Promise<Call>((resolve) => server.calls.once('call', resolve));
    await sdk.connect({ auth: { kind: 'dev' } });
    call = await callPromise;
    await sdk.start({ audio: true, video: true });
    await waitFor(() => (call.videoTap?.stats.framesOut ?? 0) > 0, 15_000, 'camera frames at the server');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shares the screen: the server watches the screen, then the camera again when sharing stops', async () => {
    const cameraTap = call.videoTap;
    expect(sources()).toEqual(['camera', 'mic']);
    await sdk.must('shareScreen', true);
    expect(await sdk.prop('screenSharing')).toBe(true);
    await waitFor(() => sources().includes('screen'), 10_000, 'a screen producer on the server');
    await waitFor(
      () => call.videoTap !== cameraTap && (call.videoTap?.stats.framesOut ?? 0) > 0,
      15_000,
      'the assistant watching the screen',
    );
    const screenTap = call.videoTap;
    expect(await growth(() => screenTap?.stats.framesOut ?? 0, 2000)).toBeGreaterThan(0);

    await sdk.must('shareScreen', false);
    expect(await sdk.prop('screenSharing')).toBe(false);
    await waitFor(() => !sources().includes('screen'), 10_000, 'the screen producer gone');
    await waitFor(() => call.videoTap === cameraTap, 10_000, 'the assistant watching the camera again');
  });

  it('switches the camera and the microphone: one producer each, media keeps arriving', async () => {
    const cameras = await devices('videoinput');
    const mics = await devices('audioinput');
    expect(cameras.length).toBeGreaterThanOrEqual(2);
    expect(mics.length).toBeGreaterThanOrEqual(2);
    const before = await localLabels();
    const camera = cameras.find((d) => d.label === 'fake_device_2') as { id: string; label: string };
    expect(before.video).not.toBe(camera.label);
    const mic = mics.find((d) => d.label !== before.audio) as { id: string; label: string };
    const producerIds = call.producers.map((p) => p.id).sort();

    await sdk.must('switchCamera', camera.id);
    await sdk.must('switchMicrophone', mic.id);
    expect(await localLabels()).toEqual({ audio: mic.label, video: camera.label });
    // The same producers carry the new tracks (replaceTrack): nothing to renegotiate.
    expect(call.producers.map((p) => p.id).sort()).toEqual(producerIds);
    expect(await growth(() => call.videoTap?.stats.framesOut ?? 0, 2000)).toBeGreaterThan(0);
    expect(await growth(() => call.audioTap?.stats.framesOut ?? 0, 1000)).toBeGreaterThan(30);
  });
});
