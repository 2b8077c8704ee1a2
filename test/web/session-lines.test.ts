import { describe, expect, it } from 'vitest';
import { newLabel } from '../../web/lib/labels.ts';
import { countsLine } from '../../web/lib/session-lines.ts';

describe("the session's line count", () => {
  it('counts every line except +session and +resumed', () => {
    for (const line of ['ana: oi', '+msg 1 2 ana: oi', '+ack - 1 L', '+session-moved', 'Digite seu nome:', '', '+resume-failed gap', 'ana: +session x']) {
      expect(countsLine(line), line).toBe(true);
    }
    expect(countsLine('+session abc')).toBe(false);
    expect(countsLine('+resumed ana 4')).toBe(false);
  });
});

describe('labels', () => {
  it('are 128-bit base64url strings, a different one each time', () => {
    const a = newLabel();
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/u);
    expect(newLabel()).not.toBe(a);
    expect(newLabel((b) => b.fill(0xff))).toBe('_____________________w');
  });
});
