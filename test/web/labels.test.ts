import { expect, it } from 'vitest';
import { newLabel } from '../../web/lib/labels.ts';

it('labels are 128-bit base64url strings, a different one each time', () => {
  const a = newLabel();
  expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/u);
  expect(newLabel()).not.toBe(a);
  expect(newLabel((b) => b.fill(0xff))).toBe('_____________________w');
});
