import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/clock.js';
import { TokenBucket } from '../../../../server/signaling/rateLimiter.js';

/** Takes `n` times; returns how many were allowed. */
function flood(bucket: TokenBucket, n: number): number {
  let allowed = 0;
  for (let i = 0; i < n; i++) if (bucket.take()) allowed++;
  return allowed;
}

describe('TokenBucket', () => {
  it('allows a burst, then exactly the refill rate', () => {
    const clock = new ManualClock(5_000);
    const bucket = new TokenBucket({ ratePerS: 50, burst: 100, clock });
    expect(flood(bucket, 300)).toBe(100);
    clock.advance(20); // 50/s: one token per 20 ms
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    clock.advance(10);
    expect(bucket.take()).toBe(false);
    clock.advance(10);
    expect(bucket.take()).toBe(true);
    clock.advance(1_000);
    expect(flood(bucket, 300)).toBe(50);
  });

  it('still limits a flood that comes 10 s after the last one: saved tokens stop at the burst', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerS: 50, burst: 100, clock });
    expect(flood(bucket, 300)).toBe(100);
    clock.advance(10_000);
    expect(flood(bucket, 300)).toBe(100);
    clock.advance(10_000);
    expect(flood(bucket, 1)).toBe(1);
    expect(flood(bucket, 300)).toBe(99);
  });

  it('reads time from the injected clock only', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerS: 1, burst: 1, clock });
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    clock.advance(1_000);
    expect(bucket.take()).toBe(true);
  });
});
