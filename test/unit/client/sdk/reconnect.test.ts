import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  backoffDelayMs,
  DEFAULT_BACKOFF,
  IceRecovery,
  type IceTransport,
  IceWatchdog,
  retryWithBackoff,
} from '../../../../client/sdk/reconnect.js';
import { SightlineError } from '../../../../protocol/errors.js';

const plain = { ...DEFAULT_BACKOFF, jitter: 0 };

describe('backoffDelayMs', () => {
  it('tries first almost at once, then doubles from the base, capped', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelayMs(n, plain, () => 1))).toEqual([
      100, 500, 1000, 2000, 4000, 8000, 8000,
    ]);
    expect(backoffDelayMs(1, plain, () => 0)).toBe(0);
  });

  it('spreads the first wait over 0 to firstDelayMaxMs and each later one by ± the jitter', () => {
    const opts = { ...plain, jitter: 0.2 };
    expect(backoffDelayMs(1, opts, () => 0.5)).toBe(50);
    expect(backoffDelayMs(3, opts, () => 0)).toBe(800);
    expect(backoffDelayMs(3, opts, () => 1)).toBe(1200);
    expect(backoffDelayMs(3, opts, () => 0.5)).toBe(1000);
  });

  it("adds up to about 16 s over the default 6 attempts (inside the server's 20 s resume window)", () => {
    const total = [1, 2, 3, 4, 5, 6].reduce((s, n) => s + backoffDelayMs(n, plain, () => 1), 0);
    expect(total).toBeGreaterThan(12_000);
    expect(total).toBeLessThan(20_000);
  });
});

describe('retryWithBackoff', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const closed = () => new SightlineError('ERR_CONNECTION_CLOSED');
  const retryClosed = (e: unknown) => e instanceof SightlineError && e.code === 'ERR_CONNECTION_CLOSED';

  it('waits before each attempt and resolves with the first success', async () => {
    const at: number[] = [];
    const start = Date.now();
    const attempt = vi.fn(async (n: number) => {
      at.push(Date.now() - start);
      if (n < 3) throw closed();
      return 'resumed';
    });
    const p = retryWithBackoff(attempt, {
      ...plain,
      signal: new AbortController().signal,
      shouldRetry: retryClosed,
      random: () => 1,
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await p).toBe('resumed');
    expect(at).toEqual([100, 600, 1600]);
  });

  it('throws the last error after maxAttempts', async () => {
    const attempt = vi.fn(async () => {
      throw closed();
    });
    const p = retryWithBackoff(attempt, {
      ...plain,
      maxAttempts: 3,
      signal: new AbortController().signal,
      shouldRetry: retryClosed,
    });
    const settled = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await settled).toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    expect(attempt).toHaveBeenCalledTimes(3);
  });

  it('stops at once on an error no retry can fix', async () => {
    const attempt = vi.fn(async () => {
      throw new SightlineError('ERR_NOT_FOUND', 'the call is gone');
    });
    const p = retryWithBackoff(attempt, {
      ...plain,
      signal: new AbortController().signal,
      shouldRetry: retryClosed,
    });
    const settled = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await settled).toMatchObject({ code: 'ERR_NOT_FOUND' });
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('abort stops the waits: no attempt after it, no timer left', async () => {
    const controller = new AbortController();
    const attempt = vi.fn(async () => {
      throw closed();
    });
    const p = retryWithBackoff(attempt, {
      ...plain,
      signal: controller.signal,
      shouldRetry: retryClosed,
      random: () => 1,
    });
    const settled = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1000); // attempts at 100 and 600 ms
    expect(attempt).toHaveBeenCalledTimes(2);
    controller.abort();
    expect(await settled).toMatchObject({ code: 'ERR_ABORTED' });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(attempt).toHaveBeenCalledTimes(2);
  });
});

class FakeTransport implements IceTransport {
  connectionState = 'connected';
  readonly #listeners = new Set<(s: string) => void>();
  on(_e: 'connectionstatechange', l: (s: string) => void) {
    this.#listeners.add(l);
  }
  off(_e: 'connectionstatechange', l: (s: string) => void) {
    this.#listeners.delete(l);
  }
  set(state: string) {
    this.connectionState = state;
    for (const l of this.#listeners) l(state);
  }
  get listeners() {
    return this.#listeners.size;
  }
}

describe('IceWatchdog', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('restarts at once on failed, and reports the recovery', () => {
    const t = new FakeTransport();
    const onDown = vi.fn();
    const onUp = vi.fn();
    const w = new IceWatchdog(t, { onDown, onUp });
    t.set('failed');
    expect(onDown).toHaveBeenCalledTimes(1);
    expect(w.down).toBe(true);
    t.set('failed');
    expect(onDown).toHaveBeenCalledTimes(2);
    t.set('connected');
    expect(onUp).toHaveBeenCalledTimes(1);
    expect(w.down).toBe(false);
  });

  it('gives a disconnected transport 3 s to recover by itself', () => {
    const t = new FakeTransport();
    const onDown = vi.fn();
    const onUp = vi.fn();
    new IceWatchdog(t, { onDown, onUp });
    t.set('disconnected');
    vi.advanceTimersByTime(2999);
    t.set('connected');
    vi.advanceTimersByTime(10_000);
    expect(onDown).not.toHaveBeenCalled();
    expect(onUp).not.toHaveBeenCalled();
    t.set('disconnected');
    vi.advanceTimersByTime(3000);
    expect(onDown).toHaveBeenCalledTimes(1);
  });

  it('dispose() removes its listener and timer', () => {
    const t = new FakeTransport();
    const onDown = vi.fn();
    const w = new IceWatchdog(t, { onDown, onUp: vi.fn() });
    t.set('disconnected');
    w.dispose();
    expect(t.listeners).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    t.set('failed');
    expect(onDown).not.toHaveBeenCalled();
  });
});

describe('IceRecovery', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup() {
    const send = new FakeTransport();
    const recv = new FakeTransport();
    const restarts: FakeTransport[] = [];
    let signalingUp = true;
    let restartBlock: Promise<void> = Promise.resolve();
    const onDown = vi.fn();
    const onUp = vi.fn();
    const ice = new IceRecovery<FakeTransport>({
      restart: async (t) => {
        restarts.push(t);
        await restartBlock;
      },
      canRestart: () => signalingUp,
      onDown,
      onUp,
      now: () => Date.now(),
    });
    ice.watch(send);
    ice.watch(recv);
    return {
      send,
      recv,
      restarts,
      ice,
      onDown,
      onUp,
      setSignaling: (up: boolean) => {
        signalingUp = up;
      },
      block: (p: Promise<void>) => {
        restartBlock = p;
      },
    };
  }

  it('restarts a failed transport, once at a time, and reports up once every transport is connected', async () => {
    const { send, recv, restarts, ice, onDown, onUp, block } = setup();
    let release: () => void = () => undefined;
    block(
      new Promise<void>((r) => {
        release = r;
      }),
    );
    recv.set('failed');
    recv.set('failed'); // a second failure while the first restart runs: no second restart
    send.set('failed');
    expect(restarts).toEqual([recv, send]);
    expect(onDown).toHaveBeenCalledTimes(1);
    expect(ice.down).toBe(true);
    release();
    await vi.advanceTimersByTimeAsync(1200);
    recv.set('connected');
    expect(onUp).not.toHaveBeenCalled();
    send.set('connected');
    expect(onUp).toHaveBeenCalledWith(1200);
    expect(ice.down).toBe(false);
  });

  it('waits for the WebSocket: no restart while it is down, retryDown() after', () => {
    const { recv, restarts, ice, setSignaling } = setup();
    setSignaling(false);
    recv.set('failed');
    expect(restarts).toEqual([]);
    setSignaling(true);
    ice.retryDown();
    expect(restarts).toEqual([recv]);
  });

  it('dispose() leaves no listener and no timer', () => {
    const { send, recv, ice, onDown } = setup();
    send.set('disconnected');
    ice.dispose();
    expect([send.listeners, recv.listeners, vi.getTimerCount()]).toEqual([0, 0, 0]);
    recv.set('failed');
    expect(onDown).not.toHaveBeenCalled();
  });
});
