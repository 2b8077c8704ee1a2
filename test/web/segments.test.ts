import { describe, expect, it } from 'vitest';
import { mentionsMe, safeHref, segments } from '../../web/lib/segments.ts';

describe('links', () => {
  it('links http and https URLs and leaves sentence punctuation outside', () => {
    expect(segments('veja https://example.com/a?b=1, e http://x.org.', '')).toEqual([
      { kind: 'text', text: 'veja ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ', e ' },
      { kind: 'link', text: 'http://x.org', href: 'http://x.org/' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('keeps a closing parenthesis that belongs to the URL', () => {
    const s = segments('(https://en.wikipedia.org/wiki/Foo_(bar))', '');
    expect(s[1]).toMatchObject({ kind: 'link', text: 'https://en.wikipedia.org/wiki/Foo_(bar)' });
  });

  it('never links other schemes', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'vbscript:x']) {
      expect(segments(text, '')).toEqual([{ kind: 'text', text }]);
    }
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('https://')).toBeNull();
  });

  it('keeps HTML as plain text, quotes cut a URL short', () => {
    expect(segments('<img src=x onerror=alert(1)>', '')).toEqual([{ kind: 'text', text: '<img src=x onerror=alert(1)>' }]);
    const s = segments('https://a.com/"onmouseover="x', '');
    expect(s[0]).toEqual({ kind: 'link', text: 'https://a.com/', href: 'https://a.com/' });
    expect(s[1]).toEqual({ kind: 'text', text: '"onmouseover="x' });
  });
});

describe('mentions', () => {
  it('marks @me anywhere, case-insensitively, and other mentions too', () => {
    expect(segments('oi @Ana e @bob.', 'ana')).toEqual([
      { kind: 'text', text: 'oi ' },
      { kind: 'mention', text: '@Ana', me: true },
      { kind: 'text', text: ' e ' },
      { kind: 'mention', text: '@bob.', me: false },
    ]);
  });

  it('detects a mention of me, not an e-mail address or a longer name', () => {
    expect(mentionsMe('fala @ana!', 'ana')).toBe(true);
    expect(mentionsMe('@ANA.', 'ana')).toBe(true);
    expect(mentionsMe('ana@ana.com', 'ana')).toBe(false);
    expect(mentionsMe('@anabela', 'ana')).toBe(false);
    expect(mentionsMe('ana sem arroba', 'ana')).toBe(false);
  });
});
