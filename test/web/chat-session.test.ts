/**
 * The page's chat state driven line by line, exactly as the server would
 * send them (formatted by the protocol module itself), with a transport that
 * records the frames the page sends.
 */
import { describe, expect, it } from 'vitest';
import { type ServerEvent, formatEvent } from '../../protocol/index.ts';
import { ChatSession, MAX_ITEMS, type Item, type MessageItem, type Transport } from '../../web/lib/chat.svelte.ts';

class RecordingTransport implements Transport {
  sent: string[] = [];
  open = true;
  connects = 0;
  closes = 0;
  send(line: string): boolean {
    if (!this.open) return false;
    this.sent.push(line);
    return true;
  }
  connect(): void {
    this.connects++;
  }
  close(): void {
    this.closes++;
  }
}

const line = (e: ServerEvent) => formatEvent(e);

function joined(name = 'ana', users = ['ana', 'bob']) {
  const session = new ChatSession(() => 1_000);
  const transport = new RecordingTransport();
  session.transport = transport;
  session.chooseName(name);
  session.opened();
  session.receive(line({ type: 'prompt' }));
  session.receive(line({ type: 'welcome', name, users }));
  return { session, transport };
}

/** Joined, then the socket dropped: what is submitted now waits in the outbox. */
function offline(name = 'ana') {
  const j = joined(name);
  j.transport.open = false;
  j.session.closed();
  return j;
}

const messages = (items: Item[]) => items.filter((i): i is MessageItem => i.kind === 'msg');

describe('joining', () => {
  it('sends the name as the first frame once the socket opens, and enters the chat on the welcome', () => {
    const session = new ChatSession();
    const transport = new RecordingTransport();
    session.transport = transport;
    session.chooseName('  ana  ');
    expect(transport.connects).toBe(1);
    expect(session.phase).toBe('joining');
    session.opened();
    expect(transport.sent).toEqual(['ana']);
    session.receive('Digite seu nome:');
    session.receive('Bem-vindo, ana! Online (2): ana, bob');
    expect(session.phase).toBe('chat');
    expect(session.me).toBe('ana');
    expect(session.users).toEqual(['ana', 'bob']);
    expect(session.items.at(-1)).toMatchObject({ kind: 'status', status: 'welcome', name: 'ana' });
  });

  it('shows a taken name in the prompt and sends the next try on the same socket', () => {
    const session = new ChatSession();
    const transport = new RecordingTransport();
    session.transport = transport;
    session.chooseName('bob');
    session.opened();
    session.receive('Digite seu nome:');
    session.receive('Nome já em uso: bob.');
    session.receive('Digite seu nome:');
    expect(session.phase).toBe('name');
    expect(session.nameError).toEqual({ reason: 'taken', name: 'bob', rejoin: false });
    session.chooseName('bob2');
    expect(transport.sent).toEqual(['bob', 'bob2']);
    expect(transport.connects).toBe(1); // only the first try connected;
    expect(session.nameError).toBeNull();
  });

  it('shows an invalid name and a name timeout in the prompt', () => {
    const session = new ChatSession();
    session.transport = new RecordingTransport();
    session.chooseName('x');
    session.opened();
    session.receive(line({ type: 'name-error', reason: 'invalid' }));
    expect(session.nameError).toEqual({ reason: 'invalid' });
    session.receive(line({ type: 'notice', notice: 'name-timeout' }));
    expect(session.phase).toBe('name');
    expect(session.nameError).toEqual({ reason: 'timeout' });
    expect(session.closed()).toBe(false); // no reconnect loop from the prompt
  });

  it('remembers the name that worked', () => {
    const session = new ChatSession();
    session.transport = new RecordingTransport();
    const remembered: string[] = [];
    session.onJoined = (n) => remembered.push(n);
    session.chooseName('Ana');
    session.opened();
    session.receive('Bem-vindo, Ana! Online (1): Ana');
    expect(remembered).toEqual(['Ana']);
  });
});

describe('server lines become list items and online changes', () => {
  it('public, private, join, leave, /users and notices', () => {
    const { session } = joined();
    const seen: MessageItem[] = [];
    session.onMessage = (m) => seen.push(m);
    session.receiveAll([
      line({ type: 'join', name: 'caio' }),
      line({ type: 'public', from: 'bob', text: 'oi @ANA, tudo bem?' }),
      line({ type: 'public', from: 'caio', text: 'e-mail ana@x.com não é menção' }),
      line({ type: 'private', from: 'bob', text: 'segredo' }),
      line({ type: 'leave', name: 'bob' }),
      line({ type: 'users', users: ['ana', 'caio'] }),
      line({ type: 'notice', notice: 'unknown-command', command: 'foo' }),
      'algo que esta versão não conhece',
    ]);
    const items = session.items.slice(1);
    expect(items.map((i) => i.kind)).toEqual(['join', 'msg', 'msg', 'msg', 'leave', 'users', 'notice', 'notice']);
    expect(items[1]).toMatchObject({ from: 'bob', text: 'oi @ANA, tudo bem?', own: false, peer: null, mention: true });
    expect(items[2]).toMatchObject({ from: 'caio', mention: false });
    expect(items[3]).toMatchObject({ from: 'bob', text: 'segredo', peer: 'bob', mention: false });
    expect(items[6]).toMatchObject({ notice: { notice: 'unknown-command', command: 'foo' } });
    expect(items[7]).toMatchObject({ notice: { notice: 'other', text: 'algo que esta versão não conhece' } });
    expect(session.users).toEqual(['ana', 'caio']);
    expect(seen.map((m) => m.from)).toEqual(['bob', 'caio', 'bob']);
  });

  it('keeps the online list sorted and free of duplicates', () => {
    const { session } = joined('ana', ['ana']);
    session.receive('zé entrou no chat!');
    session.receive('Bia entrou no chat!');
    session.receive('bia entrou no chat!'); // same user by the server's name rule: not listed twice
    expect(session.users).toEqual(['ana', 'Bia', 'zé']);
    session.receive('BIA saiu do chat.');
    expect(session.users).toEqual(['ana', 'zé']);
  });

  it(`keeps at most ${MAX_ITEMS} items, dropping the oldest`, () => {
    const { session } = joined();
    session.receiveAll(Array.from({ length: MAX_ITEMS + 50 }, (_, i) => `bob: ${i}`));
    expect(session.items).toHaveLength(MAX_ITEMS);
    expect(messages(session.items).at(-1)!.text).toBe(String(MAX_ITEMS + 49));
    expect(messages(session.items)[0]!.text).toBe('50');
  });
});

describe('sending', () => {
  it('shows my public and private lines at once (the server does not echo them) and sends them as typed', () => {
    const { session, transport } = joined();
    expect(session.submit('olá a todos')).toBe(true);
    expect(session.submit('@bob  só pra você')).toBe(true);
    expect(session.submit('//não é comando')).toBe(true);
    expect(transport.sent.slice(1)).toEqual(['olá a todos', '@bob  só pra você', '//não é comando']);
    expect(messages(session.items).map((m) => [m.text, m.own, m.peer, m.state])).toEqual([
      ['olá a todos', true, null, 'sent'],
      ['só pra você', true, 'bob', 'sent'],
      ['/não é comando', true, null, 'sent'],
    ]);
  });

  it('sends commands without showing them as messages', () => {
    const { session, transport } = joined();
    session.submit('/users');
    expect(transport.sent.at(-1)).toBe('/users');
    expect(messages(session.items)).toHaveLength(0);
  });

  it('refuses empty lines and lines over the byte limit', () => {
    const { session, transport } = joined();
    expect(session.submit('   ')).toBe(false);
    expect(session.submit('é'.repeat(2049))).toBe(false); // 4098 bytes
    expect(session.submit('é'.repeat(2048))).toBe(true); // 4096 bytes
    expect(transport.sent).toHaveLength(2);
  });

  it('marks my private message as not delivered when the server says the user is not online', () => {
    const { session } = joined();
    session.submit('@bob primeira');
    session.submit('@zed oi');
    session.submit('@bob segunda');
    session.receive('Usuário zed não encontrado.');
    expect(messages(session.items).map((m) => m.state)).toEqual(['sent', 'failed', 'sent']);
    expect(session.items.at(-1)).toMatchObject({ kind: 'notice', notice: { notice: 'not-found', name: 'zed' } });
  });

  it('learns the real line limit from a "too long" notice', () => {
    const { session } = joined();
    session.submit('x'.repeat(200));
    session.receive('Mensagem muito longa (máximo 100 bytes).');
    expect(session.maxLine).toBe(100);
    expect(messages(session.items)[0]!.state).toBe('failed');
  });

  it('marks the line that went over a smaller server limit, counting it as sent (`//`, spaces after `@name`)', () => {
    const { session } = joined();
    session.submit('//' + 'x'.repeat(99)); // 101 bytes on the wire, shown as "/xxx…" (100)
    session.submit('@bob' + ' '.repeat(10) + 'z'.repeat(88)); // 102 bytes, shown as 88
    session.submit('@bob curta');
    session.receive('Mensagem muito longa (máximo 100 bytes).');
    session.receive('Mensagem muito longa (máximo 100 bytes).');
    expect(messages(session.items).map((m) => m.state)).toEqual(['failed', 'failed', 'sent']);
  });

  it('/quit leaves on purpose: back to the prompt, no reconnect', () => {
    const { session, transport } = joined();
    session.submit('/quit');
    expect(transport.sent.at(-1)).toBe('/quit');
    expect(transport.closes).toBe(1);
    expect(session.phase).toBe('name');
    expect(session.closed()).toBe(false);
  });
});

describe('offline and rejoin', () => {
  it('keeps lines typed offline as pending and sends them, in order, after the rejoin with the same name', () => {
    const { session, transport } = joined();
    transport.open = false;
    expect(session.closed()).toBe(true); // reconnect
    expect(session.items.at(-1)).toMatchObject({ kind: 'status', status: 'disconnected' });
    session.submit('um');
    session.submit('@bob dois');
    expect(session.pendingCount).toBe(2);
    expect(messages(session.items).map((m) => m.state)).toEqual(['pending', 'pending']);

    transport.open = true;
    transport.sent = [];
    session.opened();
    expect(transport.sent).toEqual(['ana']); // rejoins by itself
    session.receive('Digite seu nome:');
    session.receive('Bem-vindo, ana! Online (2): ana, bob');
    expect(transport.sent).toEqual(['ana', 'um', '@bob dois']);
    expect(session.pendingCount).toBe(0);
    expect(messages(session.items).map((m) => m.state)).toEqual(['sent', 'sent']);
    expect(session.items.some((i) => i.kind === 'status' && i.status === 'reconnected')).toBe(true);
  });

  it('asks for a new name when mine was taken meanwhile, keeping what waits', () => {
    const { session, transport } = offline();
    session.submit('ainda aqui');
    transport.open = true;
    session.opened();
    session.receive('Nome já em uso: ana.');
    expect(session.phase).toBe('name');
    expect(session.nameError).toEqual({ reason: 'taken', name: 'ana', rejoin: true });
    expect(session.pendingCount).toBe(1);
    session.chooseName('ana2');
    session.receive('Bem-vindo, ana2! Online (2): ana, ana2');
    expect(transport.sent.slice(-3)).toEqual(['ana', 'ana2', 'ainda aqui']);
    expect(session.me).toBe('ana2');
  });

  it('a line typed while pending lines wait goes after them', () => {
    const { session, transport } = offline();
    session.submit('primeiro');
    transport.open = true;
    session.opened();
    session.submit('segundo'); // socket open but not joined yet
    session.receive('Bem-vindo, ana! Online (1): ana');
    expect(transport.sent.slice(-2)).toEqual(['primeiro', 'segundo']);
  });

  it('a name I pick myself on the rejoin prompt and find taken is just taken, not "taken while you were away"', () => {
    const { session, transport } = offline();
    transport.open = true;
    session.opened();
    session.receive('Nome já em uso: ana.');
    expect(session.nameError).toEqual({ reason: 'taken', name: 'ana', rejoin: true });
    session.chooseName('bob');
    session.receive('Nome já em uso: bob.');
    expect(session.nameError).toEqual({ reason: 'taken', name: 'bob', rejoin: false });
    session.chooseName('ana2');
    session.receive('Bem-vindo, ana2! Online (2): ana2, bob');
    expect(session.phase).toBe('chat');
  });
});
