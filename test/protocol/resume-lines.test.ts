/**
 * Session resume and labels on the wire (docs/PROTOCOL.md, Session resume and
 * Labels): exact text of every new line, parsing back, and what the client's
 * `/resume` and `/label` lines mean.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type ServerEvent,
  formatEvent,
  labelLine,
  parseClientLine,
  parseLabelLine,
  parsePromptLine,
  parseServerLine,
  resumeLine,
} from '../../protocol/index.ts';

describe('session and label lines from the server are exactly the spec', () => {
  const rows: Array<[ServerEvent, string]> = [
    [{ type: 'ext-session', token: 'Ab_9-xYz' }, '+session Ab_9-xYz'],
    [{ type: 'ext-resumed', name: 'ana', count: 42 }, '+resumed ana 42'],
    [{ type: 'ext-resumed', name: 'ana', count: 0 }, '+resumed ana 0'],
    [{ type: 'ext-resume-failed', reason: 'unknown' }, '+resume-failed unknown'],
    [{ type: 'ext-resume-failed', reason: 'gap' }, '+resume-failed gap'],
    [{ type: 'ext-session-moved' }, '+session-moved'],
    [{ type: 'ext-label-ack', id: 43, time: 1732457160000, label: 'k-9_Z' }, '+ack 43 1732457160000 k-9_Z'],
    [{ type: 'ext-label-ack', id: null, time: 1732457160000, label: 'k' }, '+ack - 1732457160000 k'],
    [{ type: 'ext-usage', command: 'resume' }, '+usage resume'],
    [{ type: 'ext-usage', command: 'label' }, '+usage label'],
    [{ type: 'ext-features', features: ['ids', 'resume', 'labels'] }, '+ext ids resume labels'],
  ];
  it.each(rows)('formats %j', (event, line) => {
    expect(formatEvent(event)).toBe(line);
  });
  it.each(rows)('parses back into %j', (event, line) => {
    expect(parseServerLine(line)).toEqual(event);
  });

  it('keeps the ids ack without a label as it was', () => {
    expect(parseServerLine('+ack 43 1732457160000')).toEqual({ type: 'ext-ack', id: 43, time: 1732457160000 });
  });

  it('ignores fields a later version adds after the fixed ones', () => {
    expect(parseServerLine('+ack 43 17 lbl more')).toEqual({ type: 'ext-label-ack', id: 43, time: 17, label: 'lbl' });
    expect(parseServerLine('+session tok node=a')).toEqual({ type: 'ext-session', token: 'tok' });
    expect(parseServerLine('+resumed ana 3 x')).toEqual({ type: 'ext-resumed', name: 'ana', count: 3 });
    expect(parseServerLine('+session-moved now')).toEqual({ type: 'ext-session-moved' });
    expect(parseServerLine('+resume-failed expired')).toEqual({ type: 'ext-resume-failed', reason: 'expired' });
  });

  it('does not take malformed session lines for real ones', () => {
    for (const line of ['+session', '+session a$b', '+ack - 17', '+resumed ana', '+resumed a:b 3']) {
      expect(parseServerLine(line), line).toEqual({ type: 'ext-unknown', text: line });
    }
  });

  it('parses back any token, label and count', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,100}$/);
    const label = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    const n = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(token, label, n, fc.option(n, { nil: null }), (t, l, count, id) => {
        for (const e of [
          { type: 'ext-session', token: t },
          { type: 'ext-resumed', name: 'bob', count },
          { type: 'ext-label-ack', id, time: count, label: l },
        ] satisfies ServerEvent[]) {
          expect(parseServerLine(formatEvent(e))).toEqual(e);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('/resume at the name prompt', () => {
  it('parses a token and a count', () => {
    expect(parsePromptLine(resumeLine('Ab_9-x', 17))).toEqual({ type: 'resume', token: 'Ab_9-x', count: 17 });
    expect(parsePromptLine('/RESUME tok 0 ')).toEqual({ type: 'resume', token: 'tok', count: 0 });
  });

  it('answers a malformed /resume as usage, never as a name', () => {
    const bad = ['/resume', '/resume tok', '/resume tok -1', '/resume tok 1.5', '/resume tok 1e3', '/resume t$k 1', '/resume tok 1 2',
      `/resume ${'a'.repeat(101)} 1`, '/resume tok 99999999999999999'];
    for (const line of bad) expect(parsePromptLine(line), line).toEqual({ type: 'resume-usage' });
  });

  it('leaves names and other lines alone', () => {
    expect(parsePromptLine('/resumes x 1')).toEqual({ type: 'name', text: '/resumes x 1' });
    expect(parsePromptLine('resume')).toEqual({ type: 'name', text: 'resume' });
  });
});

describe('/label on a chat line', () => {
  it('carries a public line, a //line and a private line, text kept byte for byte', () => {
    expect(parseLabelLine(labelLine('abc', 'oi  pessoal '))).toEqual({ type: 'label', label: 'abc', line: { type: 'public', text: 'oi  pessoal ' } });
    expect(parseLabelLine(labelLine('abc', ' espaço'))).toEqual({ type: 'label', label: 'abc', line: { type: 'public', text: ' espaço' } });
    expect(parseLabelLine(labelLine('A_-9', '//users'))).toEqual({ type: 'label', label: 'A_-9', line: { type: 'public', text: '/users' } });
    expect(parseLabelLine(labelLine('k', '@ana psst'))).toEqual({ type: 'label', label: 'k', line: { type: 'private', to: 'ana', text: 'psst' } });
    expect(parseLabelLine(labelLine('k', '@ana'))).toEqual({ type: 'label', label: 'k', line: { type: 'private-empty', to: 'ana' } });
  });

  it('refuses commands, empty text and bad labels with usage', () => {
    const bad = ['/label', '/label k', '/label k ', '/label k    ', '/label k /users', '/label k /quit', '/label k /history 3',
      '/label bad$ oi', `/label ${'a'.repeat(65)} oi`, '/label  k oi'];
    for (const line of bad) expect(parseLabelLine(line), line).toEqual({ type: 'label-usage' });
  });

  it('is not a /label line otherwise, so the chat line parser decides', () => {
    expect(parseLabelLine('/labels x')).toBeNull();
    expect(parseLabelLine('oi')).toBeNull();
    expect(parseClientLine('/label k oi')).toEqual({ type: 'unknown-command', command: 'label' });
  });
});
