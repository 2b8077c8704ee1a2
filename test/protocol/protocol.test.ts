import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  NAME_INVALID_LINE,
  NAME_INVISIBLE_LINE,
  NAME_MIXED_SCRIPTS_LINE,
  type ServerEvent,
  formatEvent,
  isValidName,
  nameKey,
  normalizeName,
  parseClientLine,
  parseServerLine,
  sanitize,
  sortNames,
  utf8Length,
} from '../../protocol/index.ts';

describe('server lines are exactly the protocol table', () => {
  const rows: Array<[ServerEvent, string]> = [
    [{ type: 'prompt' }, 'Digite seu nome:'],
    [
      { type: 'name-error', reason: 'invalid', detail: 'chars' },
      'Nome inválido: use de 1 a 32 letras, números, _, - ou . (sem espaços).',
    ],
    [{ type: 'name-error', reason: 'invalid', detail: 'invisible' }, 'Nome inválido: caracteres invisíveis não são permitidos.'],
    [
      { type: 'name-error', reason: 'invalid', detail: 'mixed-scripts' },
      'Nome inválido: não misture alfabetos, como latino e cirílico, no mesmo nome.',
    ],
    [{ type: 'name-error', reason: 'taken', name: 'Bob' }, 'Nome já em uso: Bob.'],
    [{ type: 'welcome', name: 'bob', users: ['alice', 'bob'] }, 'Bem-vindo, bob! Online (2): alice, bob'],
    [{ type: 'users', users: ['alice', 'bob', 'Carol'] }, 'Online (3): alice, bob, Carol'],
    [{ type: 'join', name: 'bob' }, 'bob entrou no chat!'],
    [{ type: 'leave', name: 'bob' }, 'bob saiu do chat.'],
    [{ type: 'public', from: 'bob', text: 'olá @alice' }, 'bob: olá @alice'],
    [{ type: 'private', from: 'bob', text: 'psst' }, '[privado] bob: psst'],
    [{ type: 'notice', notice: 'not-found', name: 'zed' }, 'Usuário zed não encontrado.'],
    [{ type: 'notice', notice: 'too-long', max: 4096 }, 'Mensagem muito longa (máximo 4096 bytes).'],
    [{ type: 'notice', notice: 'shutdown' }, 'Servidor encerrando.'],
    [{ type: 'notice', notice: 'server-full' }, 'Servidor cheio, tente mais tarde.'],
    [{ type: 'notice', notice: 'unavailable' }, 'Chat indisponível no momento, tente mais tarde.'],
    [{ type: 'notice', notice: 'private-empty' }, 'Mensagem privada vazia: use @nome texto.'],
    [{ type: 'notice', notice: 'name-timeout' }, 'Tempo para informar o nome esgotado.'],
    [
      { type: 'notice', notice: 'unknown-command', command: 'nick' },
      'Comando desconhecido: /nick. Comandos: /users, /history, /quit e //texto para enviar /texto.',
    ],
  ];
  it.each(rows)('formats %j', (event, line) => {
    expect(formatEvent(event)).toBe(line);
  });
  it.each(rows)('parses back into %j', (event, line) => {
    expect(parseServerLine(line)).toEqual(event);
  });
  it('formats an invalid name without a detail as the character rule, as before', () => {
    expect(formatEvent({ type: 'name-error', reason: 'invalid' })).toBe(NAME_INVALID_LINE);
  });
  it('parses a line it does not know as a notice carrying the text', () => {
    expect(parseServerLine('Algo novo aconteceu')).toEqual({ type: 'notice', notice: 'other', text: 'Algo novo aconteceu' });
  });
});

describe('names', () => {
  it('accepts 1 to 32 letters, digits, _, - and . in any script', () => {
    for (const ok of ['a', 'bob', 'Zoë', 'José_1', 'a.b-c', 'Мария', '山田', '٣', 'x'.repeat(32)]) {
      expect(isValidName(ok), ok).toBe(true);
    }
  });
  it('rejects empty, long, spaced, punctuated and control-laden names', () => {
    for (const bad of ['', 'x'.repeat(33), 'bob smith', 'bob:', '@bob', 'a,b', 'a!', '[x]', 'a\u0007', '🙂', 'a\u202eb']) {
      expect(isValidName(bad), JSON.stringify(bad)).toBe(false);
    }
  });
  it('counts characters after NFC, so a decomposed accent counts once', () => {
    const decomposed = 'e\u0301'.repeat(32); // é as e + combining acute
    expect(isValidName(normalizeName(decomposed))).toBe(true);
    expect(normalizeName(decomposed)).toBe('é'.repeat(32));
  });
  it('treats case and width variants as one name', () => {
    expect(nameKey('Bob')).toBe(nameKey('bob'));
    expect(nameKey('ｂｏｂ')).toBe(nameKey('bob'));
    expect(nameKey('BOB')).toBe(nameKey('ｂｏｂ'));
    expect(nameKey('bob')).not.toBe(nameKey('rob'));
  });
  it('sorts names ignoring case', () => {
    expect(sortNames(['carol', 'Bob', 'alice', 'Dave'])).toEqual(['alice', 'Bob', 'carol', 'Dave']);
  });
});

describe('sanitize', () => {
  it('removes C0 and C1 controls, escape sequences and the bell', () => {
    expect(sanitize('a\u001b[31mred\u001b[0m\u0007b\u0085c\u007fd')).toBe('a[31mred[0mbcd');
  });
  it('removes bidirectional overrides and isolates', () => {
    expect(sanitize('evil\u202egnp.exe\u2066x\u2069')).toBe('evilgnp.exex');
  });
  it('keeps letters, emoji and accents', () => {
    expect(sanitize('olá 🙂 ünïcödé')).toBe('olá 🙂 ünïcödé');
  });
});

describe('what a user line means', () => {
  it.each([
    ['hello', { type: 'public', text: 'hello' }],
    ['olha @bob', { type: 'public', text: 'olha @bob' }],
    ['@bob oi tudo bem', { type: 'private', to: 'bob', text: 'oi tudo bem' }],
    ['@bob', { type: 'private-empty', to: 'bob' }],
    ['@bob    ', { type: 'private-empty', to: 'bob' }],
    ['/users', { type: 'users' }],
    ['/USERS', { type: 'users' }],
    ['/quit', { type: 'quit' }],
    ['/nick bob', { type: 'unknown-command', command: 'nick' }],
    ['//etc/passwd', { type: 'public', text: '/etc/passwd' }],
    ['', { type: 'empty' }],
    ['   ', { type: 'empty' }],
  ])('%j', (line, meaning) => {
    expect(parseClientLine(line)).toEqual(meaning);
  });
});

it('measures UTF-8 length like Buffer.byteLength', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => utf8Length(s) === Buffer.byteLength(s)));
});

// --- Properties: the grammar is unambiguous --------------------------------

const nameChar = fc.constantFrom(...'abcXYZ019_-.éçÑßЖ山٣ｂ'.split(''));
const validName = fc
  .array(nameChar, { minLength: 1, maxLength: 32 })
  .map((cs) => normalizeName(cs.join('')))
  .filter(isValidName);
/** Anything a user could type, including protocol look-alikes. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    'bob: hi',
    '[privado] eve: x',
    'Bem-vindo, x! Online (1): x',
    'Online (1): x',
    'eve entrou no chat!',
    'Servidor encerrando.',
    '\u001b[2J',
    '\u202e',
  ),
  fc.tuple(validName, fc.string()).map(([n, s]) => `${n}: ${s}`),
);
/** User text as the server relays it: sanitised, one line, not blank. */
const relayedText = anyText.map(sanitize).filter((t) => t.trim() !== '' && !t.includes('\n'));
const nameList = fc.uniqueArray(validName, { minLength: 1, maxLength: 8, selector: nameKey }).map(sortNames);

const event: fc.Arbitrary<ServerEvent> = fc.oneof(
  fc.constant<ServerEvent>({ type: 'prompt' }),
  fc
    .constantFrom('chars' as const, 'invisible' as const, 'mixed-scripts' as const)
    .map<ServerEvent>((detail) => ({ type: 'name-error', reason: 'invalid', detail })),
  validName.map<ServerEvent>((name) => ({ type: 'name-error', reason: 'taken', name })),
  fc.tuple(validName, nameList).map<ServerEvent>(([name, users]) => ({ type: 'welcome', name, users })),
  nameList.map<ServerEvent>((users) => ({ type: 'users', users })),
  validName.map<ServerEvent>((name) => ({ type: 'join', name })),
  validName.map<ServerEvent>((name) => ({ type: 'leave', name })),
  fc.tuple(validName, relayedText).map<ServerEvent>(([from, text]) => ({ type: 'public', from, text })),
  fc.tuple(validName, relayedText).map<ServerEvent>(([from, text]) => ({ type: 'private', from, text })),
  fc
    .string({ minLength: 1 })
    .map(sanitize)
    .filter((s) => s !== '' && !/\s/u.test(s))
    .map<ServerEvent>((name) => ({ type: 'notice', notice: 'not-found', name })),
  fc.nat().map<ServerEvent>((max) => ({ type: 'notice', notice: 'too-long', max })),
  fc.constantFrom<ServerEvent>(
    { type: 'notice', notice: 'shutdown' },
    { type: 'notice', notice: 'server-full' },
    { type: 'notice', notice: 'unavailable' },
    { type: 'notice', notice: 'private-empty' },
    { type: 'notice', notice: 'name-timeout' },
  ),
);

describe('properties', () => {
  it('parse(format(event)) gives the event back', () => {
    fc.assert(
      fc.property(event, (e) => {
        expect(parseServerLine(formatEvent(e))).toEqual(e);
      }),
      { numRuns: 2000 },
    );
  });

  it('no line a user sends parses as another user or as a system line', () => {
    fc.assert(
      fc.property(validName, anyText, (from, raw) => {
        const line = parseClientLine(sanitize(raw));
        if (line.type === 'public') {
          expect(parseServerLine(formatEvent({ type: 'public', from, text: line.text }))).toEqual({
            type: 'public',
            from,
            text: line.text,
          });
        } else if (line.type === 'private') {
          expect(parseServerLine(formatEvent({ type: 'private', from, text: line.text }))).toEqual({
            type: 'private',
            from,
            text: line.text,
          });
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('sanitised text never holds a control, a line break or a bidi override', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(sanitize(s)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
      }),
    );
  });

  it('the invalid-name lines are fixed texts that all start with "Nome inválido:"', () => {
    for (const line of [NAME_INVALID_LINE, NAME_INVISIBLE_LINE, NAME_MIXED_SCRIPTS_LINE]) {
      expect(line.startsWith('Nome inválido: ')).toBe(true);
      expect(parseServerLine(line)).toMatchObject({ type: 'name-error', reason: 'invalid' });
    }
  });
});
