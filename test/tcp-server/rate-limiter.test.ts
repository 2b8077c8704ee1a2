import { expect, it } from 'vitest';
import { TokenBucket } from '../../tcp-server/rate-limiter.ts';

it('allows a burst at once, then the rate', () => {
  const b = new TokenBucket(20, 40, 0);
  let taken = 0;
  while (b.tryTake(0)) taken++;
  expect(taken).toBe(40);
  expect(b.waitMs(0)).toBe(50); // 1 token / (20 per s)
  expect(b.tryTake(49)).toBe(false);
  expect(b.tryTake(50)).toBe(true);
  // one second later: 20 more, never more than the burst
  let later = 0;
  while (b.tryTake(1050)) later++;
  expect(later).toBe(20);
});

it('never saves up more than the burst, however long the pause', () => {
  const b = new TokenBucket(20, 40, 0);
  while (b.tryTake(0));
  let taken = 0;
  while (b.tryTake(3_600_000)) taken++;
  expect(taken).toBe(40);
});
