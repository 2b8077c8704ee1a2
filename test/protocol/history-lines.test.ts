/**
 * The history lines and the opt-in extension lines (docs/PROTOCOL.md,
 * History and Extensions): exact text, parsing back, and properties showing
 * they never mix with what users send.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type ServerEvent,
  formatEvent,
  historyStamp,
  isReservedName,
  isValidName,
  lastLine,
  extLine,
  nameKey,
  normalizeName,
  parseClientLine,
  parseExtCommand,
  parsePromptLine,
  parseServerLine,
  sanitize,
  sinceLine,
} from '../../protocol/index.ts';

describe('history lines are exactly the protocol table', () => {
  const rows: Array<[ServerEvent, string]> = [
    [{ type: 'history-header', count: 2 }, 'Histórico (2):'],
    [{ type: 'history-line', stamp: '24/11 14:05', from: 'ana', text: 'oi, pessoal' }, '[24/11 14:05] ana: oi, pessoal'],
    [{ type: 'history-end' }, 'Fim do histórico.'],
    [{ type: 'history-notice', notice: 'empty' }, 'Nenhuma mensagem no histórico.'],
    [{ type: 'history-notice', notice: 'usage' }, 'Uso: /history [n], com n de 1 a 200.'],
    [{ type: 'history-notice', notice: 'off' }, 'Histórico desativado neste servidor.'],
    [
      { type: 'notice', notice: 'unknown-command', command: 'nick' },
      'Comando desconhecido: /nick. Comandos: /users, /history, /quit e //texto para enviar /texto.',
    ],
    [{ type: 'ext-features', features: ['ids'] }, '+ext ids'],
    [{ type: 'ext-features', features: [] }, '+ext'],
    [{ type: 'ext-public', id: 42, time: 1732457100000, from: 'ana', text: 'oi: tudo?' }, '+msg 42 1732457100000 ana: oi: tudo?'],
    [{ type: 'ext-ack', id: 43, time: 1732457160000 }, '+ack 43 1732457160000'],
    [{ type: 'ext-history', id: 7, time: 1732457100000, from: 'bruno', text: 'olá!' }, '+hist 7 1732457100000 bruno: olá!'],
    [{ type: 'ext-history-end', more: true }, '+hist-end more'],
    [{ type: 'ext-history-end', more: false }, '+hist-end done'],
    [{ type: 'ext-usage', command: 'since' }, '+usage since'],
  ];
  it.each(rows)('formats %j', (event, line) => {
    expect(formatEvent(event)).toBe(line);
  });
  it.each(rows)('parses back into %j', (event, line) => {
    expect(parseServerLine(line)).toEqual(event);
  });

  it('ignores fields a later version adds at the end of lines without user text', () => {
    expect(parseServerLine('+ack 43 1732457160000 label=abc')).toEqual({ type: 'ext-ack', id: 43, time: 1732457160000 });
    expect(parseServerLine('+hist-end more 99')).toEqual({ type: 'ext-history-end', more: true });
  });

  it('parses an extension line it does not know as ext-unknown, never as a notice to show', () => {
    expect(parseServerLine('+topic abc 12')).toEqual({ type: 'ext-unknown', text: '+topic abc 12' });
  });

  it('stamps a time as DD/MM HH:MM in the local time zone', () => {
    // Built from local fields, so the expectation holds in whatever TZ the tests run.
    const t = new Date(2024, 10, 4, 9, 5, 59).getTime();
    expect(historyStamp(t)).toBe('04/11 09:05');
    expect(historyStamp(new Date(2024, 0, 31, 23, 59).getTime())).toBe('31/01 23:59');
  });
});

describe('what a history command means', () => {
  it.each([
    ['/history', { type: 'history', count: 20 }],
    ['/HISTORY', { type: 'history', count: 20 }],
    ['/History 5', { type: 'history', count: 5 }],
    ['/history 1', { type: 'history', count: 1 }],
    ['/history 200', { type: 'history', count: 200 }],
    ['/history   7  ', { type: 'history', count: 7 }],
    ['/history 0', { type: 'history-usage' }],
    ['/history 201', { type: 'history-usage' }],
    ['/history abc', { type: 'history-usage' }],
    ['/history -5', { type: 'history-usage' }],
    ['/history 5 6', { type: 'history-usage' }],
    ['/history 1e2', { type: 'history-usage' }],
    ['/historyx', { type: 'unknown-command', command: 'historyx' }],
  ])('%j', (line, meaning) => {
    expect(parseClientLine(line)).toEqual(meaning);
  });

  it('knows the extension commands only for a client that opted in', () => {
    expect(parseClientLine('/since 5')).toEqual({ type: 'unknown-command', command: 'since' });
    expect(parseClientLine('/last 5')).toEqual({ type: 'unknown-command', command: 'last' });
    expect(parseExtCommand('/since 5')).toEqual({ type: 'since', after: 5 });
    expect(parseExtCommand('/SINCE 0')).toEqual({ type: 'since', after: 0 });
    expect(parseExtCommand('/last 50')).toEqual({ type: 'last', count: 50 });
    for (const bad of ['/since', '/since -1', '/since x', '/since 1 2', '/since 12345678901234567', '/since 9007199254740992']) {
      expect(parseExtCommand(bad), bad).toEqual({ type: 'ext-usage', command: 'since' });
    }
    for (const bad of ['/last', '/last 0', '/last 201', '/last x']) {
      expect(parseExtCommand(bad), bad).toEqual({ type: 'ext-usage', command: 'last' });
    }
    // Anything else is left to parseClientLine.
    for (const other of ['/sincere', '/history', 'since 5', '//since 5', '@since 5']) {
      expect(parseExtCommand(other), other).toBeNull();
    }
  });

  it('formats the lines a page sends the way they parse', () => {
    expect(parseExtCommand(sinceLine(123))).toEqual({ type: 'since', after: 123 });
    expect(parseExtCommand(lastLine(50))).toEqual({ type: 'last', count: 50 });
    expect(parsePromptLine(extLine(['ids']))).toEqual({ type: 'ext', features: ['ids'] });
  });
});

describe('what a line at the name prompt means', () => {
  it.each([
    ['/ext ids', { type: 'ext', features: ['ids'] }],
    ['/EXT IDS resume ids', { type: 'ext', features: ['ids', 'resume'] }],
    ['/ext', { type: 'ext', features: [] }],
    ['/ext @@ ids', { type: 'ext', features: ['ids'] }],
    ['/quit', { type: 'quit' }],
    [' /QUIT ', { type: 'quit' }],
    ['ana', { type: 'name', text: 'ana' }],
    ['/extra', { type: 'name', text: '/extra' }],
  ])('%j', (line, meaning) => {
    expect(parsePromptLine(line)).toEqual(meaning);
  });
});

describe('the reserved name', () => {
  it('is reserved ignoring case and width, and is a valid name otherwise', () => {
    for (const name of ['Uso', 'uso', 'USO', 'ｕｓｏ']) expect(isReservedName(name), name).toBe(true);
    expect(isValidName('Uso')).toBe(true);
    expect(isReservedName('Usos')).toBe(false);
  });
});

// --- Properties --------------------------------------------------------------

const nameChar = fc.constantFrom(...'abcXYZ019_-.éçÑßЖ山٣ｂ'.split(''));
const validName = fc
  .array(nameChar, { minLength: 1, maxLength: 32 })
  .map((cs) => normalizeName(cs.join('')))
  .filter((n) => isValidName(n) && !isReservedName(n));
/** Anything a user could type, including look-alikes of the new lines. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '[24/11 14:05] eve: x',
    'Histórico (1):',
    'Fim do histórico.',
    'Uso: /history [n], com n de 1 a 200.',
    '/history [n], com n de 1 a 200.',
    '+msg 1 2 eve: x',
    '+ack 1 2',
    '+ext ids',
    '+hist-end done',
  ),
  fc.tuple(validName, fc.string()).map(([n, s]) => `${n}: ${s}`),
);
const relayedText = anyText.map(sanitize).filter((t) => t.trim() !== '' && !t.includes('\n'));
const id = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const time = fc.integer({ min: 0, max: 4102444800000 });

const event: fc.Arbitrary<ServerEvent> = fc.oneof(
  fc.nat().map<ServerEvent>((count) => ({ type: 'history-header', count })),
  fc
    .tuple(time, validName, relayedText)
    .map<ServerEvent>(([t, from, text]) => ({ type: 'history-line', stamp: historyStamp(t), from, text })),
  fc.constantFrom<ServerEvent>(
    { type: 'history-end' },
    { type: 'history-notice', notice: 'empty' },
    { type: 'history-notice', notice: 'usage' },
    { type: 'history-notice', notice: 'off' },
    { type: 'ext-history-end', more: true },
    { type: 'ext-history-end', more: false },
  ),
  fc
    .uniqueArray(fc.constantFrom('ids', 'resume', 'labels'), { maxLength: 3 })
    .map<ServerEvent>((features) => ({ type: 'ext-features', features })),
  fc.tuple(id, time, validName, relayedText).map<ServerEvent>(([i, t, from, text]) => ({ type: 'ext-public', id: i, time: t, from, text })),
  fc.tuple(id, time, validName, relayedText).map<ServerEvent>(([i, t, from, text]) => ({ type: 'ext-history', id: i, time: t, from, text })),
  fc.tuple(id, time).map<ServerEvent>(([i, t]) => ({ type: 'ext-ack', id: i, time: t })),
  fc.constantFrom<ServerEvent>({ type: 'ext-usage', command: 'since' }, { type: 'ext-usage', command: 'last' }),
);

describe('properties', () => {
  it('parse(format(event)) gives every history and extension event back', () => {
    fc.assert(
      fc.property(event, (e) => {
        expect(parseServerLine(formatEvent(e))).toEqual(e);
      }),
      { numRuns: 3000 },
    );
  });

  it('no public text makes a line parse as anything but that user’s line, plain, in history or tagged', () => {
    fc.assert(
      fc.property(validName, anyText, id, time, (from, raw, i, t) => {
        const line = parseClientLine(sanitize(raw));
        if (line.type !== 'public') return;
        const text = line.text;
        expect(parseServerLine(formatEvent({ type: 'public', from, text }))).toEqual({ type: 'public', from, text });
        const stamp = historyStamp(t);
        expect(parseServerLine(formatEvent({ type: 'history-line', stamp, from, text }))).toEqual({
          type: 'history-line',
          stamp,
          from,
          text,
        });
        expect(parseServerLine(formatEvent({ type: 'ext-public', id: i, time: t, from, text }))).toEqual({
          type: 'ext-public',
          id: i,
          time: t,
          from,
          text,
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('the usage line is not a public line even though `Uso` looks like a name: the name is reserved', () => {
    expect(parseServerLine('Uso: /history [n], com n de 1 a 200.')).toEqual({ type: 'history-notice', notice: 'usage' });
    expect(nameKey('Uso')).toBe(nameKey('uso'));
  });
});
