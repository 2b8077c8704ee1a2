import { expect, it } from 'vitest';
import { compareStreamIds } from '../../../tcp-server/cluster/stream-id.ts';

it('orders Redis stream ids by time, then sequence, as numbers', () => {
  expect(compareStreamIds('9-0', '10-0')).toBe(-1);
  expect(compareStreamIds('10-2', '10-10')).toBe(-1);
  expect(compareStreamIds('1700000000000-5', '1700000000000-5')).toBe(0);
  expect(compareStreamIds('1700000000001-0', '1700000000000-99')).toBe(1);
  expect(compareStreamIds('0-0', '1-0')).toBe(-1);
});
