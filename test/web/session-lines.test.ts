import { describe, expect, it } from 'vitest';
import { countsLine, labelLine, newLabel, parseSessionLine, resumeLine } from '../../web/lib/session-lines.ts';

describe('session and label lines', () => {
  it('reads +session, +resumed, +resume-failed, +session-moved and a labelled +ack', () => {
    expect(parseSessionLine('+session Ab_-9')).toEqual({ type: 'session', token: 'Ab_-9' });
    expect(parseSessionLine('+resumed ana 42')).toEqual({ type: 'resumed', name: 'ana', count: 42 });
    expect(parseSessionLine('+resume-failed unknown')).toEqual({ type: 'resume-failed', reason: 'unknown' });
    expect(parseSessionLine('+resume-failed gap')).toEqual({ type: 'resume-failed', reason: 'gap' });
    expect(parseSessionLine('+usage resume')).toEqual({ type: 'resume-failed', reason: 'usage' });
    expect(parseSessionLine('+session-moved')).toEqual({ type: 'session-moved' });
    expect(parseSessionLine('+ack 7 1700000000000 L-1_x')).toEqual({ type: 'label-ack', id: 7, time: 1700000000000, label: 'L-1_x' });
    expect(parseSessionLine('+ack - 1700000000000 L')).toEqual({ type: 'label-ack', id: null, time: 1700000000000, label: 'L' });
  });

  it('ignores fields a later version adds at the end', () => {
    expect(parseSessionLine('+resumed ana 3 node-b')).toEqual({ type: 'resumed', name: 'ana', count: 3 });
    expect(parseSessionLine('+ack 7 1 L more')).toEqual({ type: 'label-ack', id: 7, time: 1, label: 'L' });
  });

  it('leaves every other line to the protocol parser: an unlabelled +ack, +msg, plain lines, bad tokens', () => {
    for (const line of ['+ack 7 1', '+msg 1 2 ana: oi', 'ana: +session x', '+session', '+session a!b', `+session ${'a'.repeat(101)}`, '+ack x 1 L', '+ack 1 1 lab€l']) {
      expect(parseSessionLine(line), line).toBeNull();
    }
  });

  it('counts every line except +session and +resumed', () => {
    for (const line of ['ana: oi', '+msg 1 2 ana: oi', '+ack - 1 L', '+session-moved', 'Digite seu nome:', '', '+resume-failed gap']) {
      expect(countsLine(line), line).toBe(true);
    }
    expect(countsLine('+session abc')).toBe(false);
    expect(countsLine('+resumed ana 4')).toBe(false);
  });

  it('writes /resume and /label lines', () => {
    expect(resumeLine('tok', 12)).toBe('/resume tok 12');
    expect(labelLine('L1', '@bob oi')).toBe('/label L1 @bob oi');
  });

  it('makes 128-bit base64url labels, a different one each time', () => {
    const a = newLabel();
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/u);
    expect(newLabel()).not.toBe(a);
    expect(newLabel((b) => b.fill(0xff))).toBe('_____________________w');
  });
});
