/**
 * Every server line, parsed by the protocol module, is worded in the page's
 * language: nothing of the wire's Portuguese leaks into the English page.
 */
import { describe, expect, it } from 'vitest';
import { type Notice, formatEvent, parseServerLine } from '../../protocol/index.ts';
import { STRINGS, noticeText, pickLang } from '../../web/lib/i18n.ts';

describe('language', () => {
  it('follows the browser: any Portuguese variant gets Portuguese, everything else English', () => {
    expect(pickLang(['pt-BR', 'en'])).toBe('pt');
    expect(pickLang(['pt'])).toBe('pt');
    expect(pickLang(['en-US', 'pt-BR'])).toBe('en');
    expect(pickLang(['fr-FR', 'pt-PT'])).toBe('pt');
    expect(pickLang(['de'])).toBe('en');
    expect(pickLang([])).toBe('en');
  });

  it('both languages have every string', () => {
    const keys = (o: object): string[] =>
      Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v).map((s) => `${k}.${s}`) : [k]));
    expect(keys(STRINGS.pt)).toEqual(keys(STRINGS.en));
  });
});

describe('server notices in the page language', () => {
  const notices: Notice[] = [
    { notice: 'not-found', name: 'zed' },
    { notice: 'too-long', max: 4096 },
    { notice: 'private-empty' },
    { notice: 'unknown-command', command: 'foo' },
    { notice: 'name-timeout' },
    { notice: 'server-full' },
    { notice: 'shutdown' },
  ];
  const expected = {
    en: [
      'User zed is not online.',
      'Message too long (at most 4096 bytes).',
      'Empty private message: write @name text.',
      'Unknown command: /foo. Try /users, /quit or //text.',
      'Took too long to pick a name.',
      'The server is full; trying again later.',
      'The server is shutting down.',
    ],
    pt: [
      'Usuário zed não está online.',
      'Mensagem muito longa (máximo 4096 bytes).',
      'Mensagem privada vazia: use @nome texto.',
      'Comando desconhecido: /foo. Use /users, /quit ou //texto.',
      'Tempo para informar o nome esgotado.',
      'Servidor cheio; tentando de novo mais tarde.',
      'O servidor está encerrando.',
    ],
  };

  for (const lang of ['en', 'pt'] as const) {
    it(`parses each wire line and words it in ${lang}`, () => {
      const texts = notices.map((n) => {
        const event = parseServerLine(formatEvent({ type: 'notice', ...n }));
        if (event.type !== 'notice') throw new Error(`not a notice: ${JSON.stringify(event)}`);
        return noticeText(event, STRINGS[lang]);
      });
      expect(texts).toEqual(expected[lang]);
    });
  }

  it('shows a line this version does not know exactly as it came', () => {
    const event = parseServerLine('Manutenção às 22h.');
    expect(event).toEqual({ type: 'notice', notice: 'other', text: 'Manutenção às 22h.' });
    if (event.type === 'notice') expect(noticeText(event, STRINGS.en)).toBe('Manutenção às 22h.');
  });

  it('words joins, leaves, private tags and the online list', () => {
    const t = STRINGS.en;
    expect(t.joined('bob')).toBe('bob joined');
    expect(t.left('bob')).toBe('bob left');
    expect(t.privateTo('bob')).toBe('private to bob');
    expect(t.privateFrom('bob')).toBe('private from bob');
    expect(t.onlineNow(['a', 'b'])).toBe('Online (2): a, b');
    expect(STRINGS.pt.privateTo('bob')).toBe('privado para bob');
  });
});
