import { expect, it } from 'vitest';
import { countsLine } from '../../web/lib/session-lines.ts';

it("the session's count takes every line except +session and +resumed", () => {
  for (const line of ['ana: oi', '+msg 1 2 ana: oi', '+ack - 1 L', '+session-moved', 'Digite seu nome:', '', '+resume-failed gap', 'ana: +session x']) {
    expect(countsLine(line), line).toBe(true);
  }
  expect(countsLine('+session abc')).toBe(false);
  expect(countsLine('+resumed ana 4')).toBe(false);
});
