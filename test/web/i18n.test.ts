/**
 * Every server line, parsed by the protocol module, is worded in the page's
 * language: nothing of the wire's Portuguese leaks into the English page.
 */
import { describe, expect, it } from 'vitest';
import { type Notice, formatEvent, parseServerLine } from '../../protocol/index.ts';
import { STRINGS, noticeText, pickLang, systemText } from '../../web/lib/i18n.ts';
import type { HistoryMark } from '../../web/lib/message-log.svelte.ts';

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
    { notice: 'unavailable' },
  ];
  const expected = {
    en: [
      'User zed is not online.',
      'Message too long (at most 4096 bytes).',
      'Empty private message: write @name text.',
      'Unknown command: /foo. Try /users, /history, /quit or //text.',
      'Took too long to pick a name.',
      'The server is full; trying again later.',
      'The server is shutting down.',
      'The chat is unavailable right now; try again later.',
    ],
    pt: [
      'Usuário zed não está online.',
      'Mensagem muito longa (máximo 4096 bytes).',
      'Mensagem privada vazia: use @nome texto.',
      'Comando desconhecido: /foo. Use /users, /history, /quit ou //texto.',
      'Tempo para informar o nome esgotado.',
      'Servidor cheio; tentando de novo mais tarde.',
      'O servidor está encerrando.',
      'Chat indisponível no momento, tente mais tarde.',
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

describe('the room’s history in the page language', () => {
  const marks: HistoryMark[] = ['start', 'end', 'earlier', 'empty', 'usage', 'off'];
  const words = (lang: 'en' | 'pt') =>
    marks.map((mark) => systemText({ id: 1, kind: 'history', time: 0, mark, count: 2 }, STRINGS[lang]));

  it('words a /history answer, its other answers and the divider under the recent past', () => {
    expect(words('en')).toEqual([
      'History: 2 messages',
      'End of history.',
      'earlier messages',
      'No messages in the history.',
      'Usage: /history [n], n from 1 to 200.',
      'History is off on this server.',
    ]);
    expect(words('pt')).toEqual([
      'Histórico: 2 mensagens',
      'Fim do histórico.',
      'mensagens anteriores',
      'Nenhuma mensagem no histórico.',
      'Uso: /history [n], com n de 1 a 200.',
      'Histórico desativado neste servidor.',
    ]);
    expect(systemText({ id: 1, kind: 'history', time: 0, mark: 'start', count: 1 }, STRINGS.en)).toBe('History: 1 message');
  });

  it('says in one line after a rejoin what may be lost: private lines with history, everything without', () => {
    const status = (ids: boolean, lang: 'en' | 'pt') =>
      systemText({ id: 1, kind: 'status', time: 0, status: 'reconnected', name: 'ana', ids }, STRINGS[lang]);
    expect(status(true, 'en')).toBe('Reconnected. Private messages sent to you while you were away may be lost.');
    expect(status(false, 'en')).toBe('Reconnected. Messages sent while you were away may be lost.');
    expect(status(true, 'pt')).toBe('Reconectado. Mensagens privadas enviadas a você enquanto esteve fora podem ter se perdido.');
  });

  it('says that a resumed session missed nothing, and that a session moved to another tab', () => {
    const status = (s: 'resumed' | 'moved', lang: 'en' | 'pt') => systemText({ id: 1, kind: 'status', time: 0, status: s, name: 'ana' }, STRINGS[lang]);
    expect(status('resumed', 'en')).toBe('Reconnected. Nothing was missed.');
    expect(status('resumed', 'pt')).toBe('Reconectado. Nada se perdeu.');
    expect(status('moved', 'en')).toBe('This chat was opened in another tab and goes on there.');
    expect(status('moved', 'pt')).toBe('Este chat foi aberto em outra aba e continua lá.');
    expect(STRINGS.pt.sending).toBe('enviando…');
    expect(STRINGS.en.sending).toBe('sending…');
  });
});
