/**
 * The page's chat state driven line by line, exactly as the server would
 * send them (formatted by the protocol module itself), with a link that
 * records the frames the page sends.
 */
import { describe, expect, it } from 'vitest';
import { type ServerEvent, formatEvent } from '../../protocol/index.ts';
import { ChatRoom } from '../../web/lib/chat-room.svelte.ts';
import { RecordingTransport } from './stand-ins.ts';
import { MAX_ITEMS, type Item, type MessageItem } from '../../web/lib/message-log.svelte.ts';


const line = (e: ServerEvent) => formatEvent(e);

/** A room and its link; `opens()` is the socket opening. */
function setup() {
  const transport = new RecordingTransport();
  const room = new ChatRoom(transport, () => 1_000);
  const opens = () => {
    transport.open = true;
    room.opened();
  };
  return { room, transport, opens };
}

/** Joined as `name`; `features`: what the server turns on for `/ext ids` (none: the plain protocol). */
function joined(name = 'ana', users = ['ana', 'bob'], features: string[] = []) {
  const { room, transport, opens } = setup();
  room.chooseName(name);
  opens();
  room.receive(line({ type: 'prompt' }));
  room.receive(line({ type: 'ext-features', features }));
  room.receive(line({ type: 'welcome', name, users }));
  return { room, transport, opens };
}

/** Joined, then the socket dropped: what is submitted now waits in the outbox. */
function offline(name = 'ana') {
  const j = joined(name);
  j.transport.open = false;
  j.room.closed();
  return j;
}

const messages = (items: Item[]) => items.filter((i): i is MessageItem => i.kind === 'msg');

describe('joining', () => {
  it('asks for extensions, then sends the name, once the socket opens, and enters the chat on the welcome', () => {
    const { room, transport, opens } = setup();
    room.chooseName('  ana  ');
    expect(transport.connects).toBe(1);
    expect(room.phase).toBe('joining');
    opens();
    expect(transport.sent).toEqual(['/ext ids resume labels', 'ana']);
    room.receive('Digite seu nome:');
    room.receive('+ext ids');
    room.receive('Bem-vindo, ana! Online (2): ana, bob');
    expect(room.phase).toBe('chat');
    expect(room.me).toBe('ana');
    expect(room.users).toEqual(['ana', 'bob']);
    expect(transport.sent.at(-1)).toBe('/last 50'); // the recent past, shown before anything else
    room.receive('+hist-end done');
    expect(room.items.at(-1)).toMatchObject({ kind: 'status', status: 'welcome', name: 'ana' });
  });

  it('shows a taken name in the prompt and sends the next try on the same socket', () => {
    const { room, transport, opens } = setup();
    room.chooseName('bob');
    opens();
    room.receive('Digite seu nome:');
    room.receive('+ext ids');
    room.receive('Nome já em uso: bob.');
    room.receive('Digite seu nome:');
    expect(room.phase).toBe('name');
    expect(room.nameError).toEqual({ reason: 'taken', name: 'bob', rejoin: false });
    room.chooseName('bob2');
    expect(transport.sent).toEqual(['/ext ids resume labels', 'bob', 'bob2']);
    expect(transport.connects).toBe(1); // only the first try connected;
    expect(room.nameError).toBeNull();
  });

  it('shows an invalid name and a name timeout in the prompt', () => {
    const { room, opens } = setup();
    room.chooseName('x');
    opens();
    room.receive('+ext');
    room.receive(line({ type: 'name-error', reason: 'invalid' }));
    expect(room.nameError).toEqual({ reason: 'invalid' });
    room.receive(line({ type: 'notice', notice: 'name-timeout' }));
    expect(room.phase).toBe('name');
    expect(room.nameError).toEqual({ reason: 'timeout' });
    expect(room.closed()).toBe(false); // no reconnect loop from the prompt
  });

  it('remembers the name that worked', () => {
    const { room, opens } = setup();
    const remembered: string[] = [];
    room.onJoined = (n) => remembered.push(n);
    room.chooseName('Ana');
    opens();
    room.receive('Bem-vindo, Ana! Online (1): Ana');
    expect(remembered).toEqual(['Ana']);
  });
});

describe('server lines become list items and online changes', () => {
  it('public, private, join, leave, /users and notices', () => {
    const { room } = joined();
    const seen: MessageItem[] = [];
    room.onMessage = (m) => seen.push(m);
    room.receiveAll([
      line({ type: 'join', name: 'caio' }),
      line({ type: 'public', from: 'bob', text: 'oi @ANA, tudo bem?' }),
      line({ type: 'public', from: 'caio', text: 'e-mail ana@x.com não é menção' }),
      line({ type: 'private', from: 'bob', text: 'segredo' }),
      line({ type: 'leave', name: 'bob' }),
      line({ type: 'users', users: ['ana', 'caio'] }),
      line({ type: 'notice', notice: 'unknown-command', command: 'foo' }),
      'algo que esta versão não conhece',
    ]);
    const items = room.items.slice(1);
    expect(items.map((i) => i.kind)).toEqual(['join', 'msg', 'msg', 'msg', 'leave', 'users', 'notice', 'notice']);
    expect(items[1]).toMatchObject({ from: 'bob', text: 'oi @ANA, tudo bem?', own: false, peer: null, mention: true });
    expect(items[2]).toMatchObject({ from: 'caio', mention: false });
    expect(items[3]).toMatchObject({ from: 'bob', text: 'segredo', peer: 'bob', mention: false });
    expect(items[6]).toMatchObject({ notice: { notice: 'unknown-command', command: 'foo' } });
    expect(items[7]).toMatchObject({ notice: { notice: 'other', text: 'algo que esta versão não conhece' } });
    expect(room.users).toEqual(['ana', 'caio']);
    expect(seen.map((m) => m.from)).toEqual(['bob', 'caio', 'bob']);
  });

  it('keeps the online list sorted and free of duplicates', () => {
    const { room } = joined('ana', ['ana']);
    room.receive('zé entrou no chat!');
    room.receive('Bia entrou no chat!');
    room.receive('bia entrou no chat!'); // same user by the server's name rule: not listed twice
    expect(room.users).toEqual(['ana', 'Bia', 'zé']);
    room.receive('BIA saiu do chat.');
    expect(room.users).toEqual(['ana', 'zé']);
  });

  it(`keeps at most ${MAX_ITEMS} items, dropping the oldest`, () => {
    const { room } = joined();
    room.receiveAll(Array.from({ length: MAX_ITEMS + 50 }, (_, i) => `bob: ${i}`));
    expect(room.items).toHaveLength(MAX_ITEMS);
    expect(messages(room.items).at(-1)!.text).toBe(String(MAX_ITEMS + 49));
    expect(messages(room.items)[0]!.text).toBe('50');
  });
});

describe('sending', () => {
  it('shows my public and private lines at once (the server does not echo them) and sends them as typed', () => {
    const { room, transport } = joined();
    expect(room.submit('olá a todos')).toBe(true);
    expect(room.submit('@bob  só pra você')).toBe(true);
    expect(room.submit('//não é comando')).toBe(true);
    expect(transport.sent.slice(2)).toEqual(['olá a todos', '@bob  só pra você', '//não é comando']);
    expect(messages(room.items).map((m) => [m.text, m.own, m.peer, m.state])).toEqual([
      ['olá a todos', true, null, 'sent'],
      ['só pra você', true, 'bob', 'sent'],
      ['/não é comando', true, null, 'sent'],
    ]);
  });

  it('sends commands without showing them as messages', () => {
    const { room, transport } = joined();
    room.submit('/users');
    expect(transport.sent.at(-1)).toBe('/users');
    expect(messages(room.items)).toHaveLength(0);
  });

  it('refuses empty lines and lines over the byte limit', () => {
    const { room, transport } = joined();
    expect(room.submit('   ')).toBe(false);
    expect(room.submit('é'.repeat(2049))).toBe(false); // 4098 bytes
    expect(room.submit('é'.repeat(2048))).toBe(true); // 4096 bytes
    expect(transport.sent).toEqual(['/ext ids resume labels', 'ana', 'é'.repeat(2048)]);
  });

  it('marks my private message as not delivered when the server says the user is not online, with that answer on it', () => {
    const { room } = joined();
    room.submit('@bob primeira');
    room.submit('@zed oi');
    room.submit('@bob segunda');
    room.receive('Usuário zed não encontrado.');
    expect(messages(room.items).map((m) => m.state)).toEqual(['sent', 'failed', 'sent']);
    // One clear message: the answer is on the message, not on a notice line of its own.
    expect(messages(room.items)[1]!.failure).toMatchObject({ notice: 'not-found', name: 'zed' });
    expect(room.items.filter((i) => i.kind === 'notice')).toEqual([]);
  });

  it('shows "not online" as a notice when no message of mine explains it', () => {
    const { room } = joined();
    room.receive('Usuário zed não encontrado.');
    expect(room.items.at(-1)).toMatchObject({ kind: 'notice', notice: { notice: 'not-found', name: 'zed' } });
  });

  it('learns the real line limit from a "too long" notice', () => {
    const { room } = joined();
    room.submit('x'.repeat(200));
    room.receive('Mensagem muito longa (máximo 100 bytes).');
    expect(room.maxLine).toBe(100);
    expect(messages(room.items)[0]!.state).toBe('failed');
    expect(messages(room.items)[0]!.failure).toMatchObject({ notice: 'too-long', max: 100 });
  });

  it('marks the line that went over a smaller server limit, counting it as sent (`//`, spaces after `@name`)', () => {
    const { room } = joined();
    room.submit('//' + 'x'.repeat(99)); // 101 bytes on the wire, shown as "/xxx…" (100)
    room.submit('@bob' + ' '.repeat(10) + 'z'.repeat(88)); // 102 bytes, shown as 88
    room.submit('@bob curta');
    room.receive('Mensagem muito longa (máximo 100 bytes).');
    room.receive('Mensagem muito longa (máximo 100 bytes).');
    expect(messages(room.items).map((m) => m.state)).toEqual(['failed', 'failed', 'sent']);
  });

  it('/quit leaves on purpose: back to the prompt, no reconnect', () => {
    const { room, transport } = joined();
    room.submit('/quit');
    expect(transport.sent.at(-1)).toBe('/quit');
    expect(transport.closes).toBe(1);
    expect(room.phase).toBe('name');
    expect(room.closed()).toBe(false);
  });
});

describe('offline and rejoin', () => {
  it('keeps lines typed offline as pending and sends them, in order, after the rejoin with the same name', () => {
    const { room, transport } = joined();
    transport.open = false;
    expect(room.closed()).toBe(true); // reconnect
    expect(room.items.at(-1)).toMatchObject({ kind: 'status', status: 'disconnected' });
    room.submit('um');
    room.submit('@bob dois');
    expect(room.pendingCount).toBe(2);
    expect(messages(room.items).map((m) => m.state)).toEqual(['pending', 'pending']);

    transport.sent = [];
    transport.open = true;
    room.opened();
    expect(transport.sent).toEqual(['/ext ids resume labels', 'ana']); // rejoins by itself
    room.receive('Digite seu nome:');
    room.receive('+ext');
    room.receive('Bem-vindo, ana! Online (2): ana, bob');
    expect(transport.sent).toEqual(['/ext ids resume labels', 'ana', 'um', '@bob dois']);
    expect(room.pendingCount).toBe(0);
    expect(messages(room.items).map((m) => m.state)).toEqual(['sent', 'sent']);
    expect(room.items.some((i) => i.kind === 'status' && i.status === 'reconnected')).toBe(true);
  });

  it('asks for a new name when mine was taken meanwhile, keeping what waits', () => {
    const { room, transport } = offline();
    room.submit('ainda aqui');
    transport.open = true;
    room.opened();
    room.receive('Nome já em uso: ana.');
    expect(room.phase).toBe('name');
    expect(room.nameError).toEqual({ reason: 'taken', name: 'ana', rejoin: true });
    expect(room.pendingCount).toBe(1);
    room.chooseName('ana2');
    room.receive('Bem-vindo, ana2! Online (2): ana, ana2');
    expect(transport.sent.slice(-3)).toEqual(['ana', 'ana2', 'ainda aqui']);
    expect(room.me).toBe('ana2');
  });

  it('a line typed while pending lines wait goes after them', () => {
    const { room, transport } = offline();
    room.submit('primeiro');
    transport.open = true;
    room.opened();
    room.submit('segundo'); // socket open but not joined yet
    room.receive('Bem-vindo, ana! Online (1): ana');
    expect(transport.sent.slice(-2)).toEqual(['primeiro', 'segundo']);
  });

  it('a name I pick myself on the rejoin prompt and find taken is just taken, not "taken while you were away"', () => {
    const { room, transport } = offline();
    transport.open = true;
    room.opened();
    room.receive('Nome já em uso: ana.');
    expect(room.nameError).toEqual({ reason: 'taken', name: 'ana', rejoin: true });
    room.chooseName('bob');
    room.receive('Nome já em uso: bob.');
    expect(room.nameError).toEqual({ reason: 'taken', name: 'bob', rejoin: false });
    room.chooseName('ana2');
    room.receive('Bem-vindo, ana2! Online (2): ana2, bob');
    expect(room.phase).toBe('chat');
  });
});

describe('the server saying why it closes', () => {
  it('"full": remembered for the status (not a line in the list), retried, and forgotten when a new socket opens', () => {
    const { room, transport, opens } = setup();
    room.chooseName('ana');
    opens();
    room.receive(line({ type: 'notice', notice: 'server-full' }));
    expect(room.farewell).toBe('full');
    expect(room.items).toEqual([]); // said again on every retry: not worth a line each time
    transport.open = false;
    expect(room.closed()).toBe(true); // still joining: try again later
    opens();
    expect(room.farewell).toBeNull();
    expect(transport.sent).toEqual(['/ext ids resume labels', 'ana', '/ext ids resume labels', 'ana']);
  });

  it('"shutting down": a line in the list, and kept through failed tries until the server talks again', () => {
    const { room, transport, opens } = joined();
    room.receive(line({ type: 'notice', notice: 'shutdown' }));
    expect(room.farewell).toBe('shutdown');
    expect(room.items.at(-1)).toMatchObject({ kind: 'notice', notice: { notice: 'shutdown' } });
    transport.open = false;
    expect(room.closed()).toBe(true);
    // The server is still down: a socket opens (the gateway) and closes without a word.
    opens();
    transport.open = false;
    room.closed();
    expect(room.farewell).toBe('shutdown');
    opens();
    room.receive(line({ type: 'prompt' }));
    expect(room.farewell).toBeNull();
  });

  it('a welcome restarts the link’s backoff: the next drop is retried quickly', () => {
    const { transport } = joined();
    expect(transport.backoffResets).toBe(1);
  });
});

describe('the name prompt', () => {
  it('forgets the server’s last answer once the user edits the name', () => {
    const { room, opens } = setup();
    room.chooseName('bob');
    opens();
    room.receive('Nome já em uso: bob.');
    expect(room.nameError).not.toBeNull();
    room.editingName();
    expect(room.nameError).toBeNull();
  });
});

describe('extensions', () => {
  it('a server without extensions answers `/ext ids` as a bad name: not shown, and the chat goes on without history', () => {
    const { room, transport, opens } = setup();
    room.chooseName('ana');
    opens();
    room.receive('Digite seu nome:');
    room.receive(line({ type: 'name-error', reason: 'invalid', detail: 'chars' })); // for "/ext ids"
    room.receive('Digite seu nome:');
    expect(room.nameError).toBeNull();
    room.receive('Bem-vindo, ana! Online (1): ana');
    expect(room.phase).toBe('chat');
    expect(transport.sent).toEqual(['/ext ids resume labels', 'ana']); // no /last: it would be an unknown command
    expect(room.items.at(-1)).toMatchObject({ kind: 'status', status: 'welcome' });
  });

  it('only the answer to `/ext` is taken for it: a bad name after it is shown', () => {
    const { room, opens } = setup();
    room.chooseName('ana');
    opens();
    room.receive(line({ type: 'name-error', reason: 'invalid' }));
    room.receive(line({ type: 'name-error', reason: 'invalid', detail: 'mixed-scripts' }));
    expect(room.nameError).toEqual({ reason: 'invalid' });
    expect(room.phase).toBe('name');
  });
});

/** A public line as a client with ids receives it: live (`+msg`) or stored (`+hist`). */
const live = (id: number, from: string, text: string) => line({ type: 'ext-public', id, time: 1_000 + id, from, text });
const stored = (id: number, from: string, text: string) => line({ type: 'ext-history', id, time: 1_000 + id, from, text });
const end = (more = false) => line({ type: 'ext-history-end', more });
const ack = (id: number) => line({ type: 'ext-ack', id, time: 1_000 + id });

/** What the list shows, in words: `past bob: x`, `bob: x`, `--- earlier`, `[welcome]`. */
function shown(items: Item[]): string[] {
  return items.map((i) =>
    i.kind === 'msg'
      ? `${i.past ? 'past ' : ''}${i.from}: ${i.text}${i.state === 'sent' ? '' : ` (${i.state})`}`
      : i.kind === 'history'
        ? `--- ${i.mark}`
        : i.kind === 'status'
          ? `[${i.status}]`
          : i.kind,
  );
}

/** Joined with ids on, the recent past read (`history` lines of it), then dropped: what a rejoin starts from. */
function joinedWithIds(history: string[] = []) {
  const j = joined('ana', ['ana', 'bob'], ['ids']);
  j.room.receiveAll([...history, end()]);
  return j;
}

function rejoin(j: ReturnType<typeof joined>, features = ['ids']) {
  j.transport.open = false;
  j.room.closed();
  j.transport.sent = [];
  j.transport.open = true;
  j.room.opened();
  j.room.receive(line({ type: 'ext-features', features }));
  j.room.receive(line({ type: 'welcome', name: 'ana', users: ['ana', 'bob'] }));
}

describe('the room’s history on joining (ids on)', () => {
  it('shows the last 50 public messages quieter, above the "earlier messages" divider, then the welcome', () => {
    const { room, transport } = joined('ana', ['ana', 'bob'], ['ids']);
    expect(transport.sent.at(-1)).toBe('/last 50');
    expect(room.items).toEqual([]); // nothing before the past is in
    room.receiveAll([stored(7, 'bob', 'antes'), stored(8, 'ana', 'eu, antes'), end()]);
    expect(shown(room.items)).toEqual(['past bob: antes', 'past ana: eu, antes', '--- earlier', '[welcome]']);
    expect(messages(room.items).map((m) => [m.time, m.own])).toEqual([
      [1_007, false],
      [1_008, true], // my name's lines are mine
    ]);
  });

  it('holds what arrives while the past is read and shows it after, once (a line can come both ways)', () => {
    const { room } = joined('ana', ['ana', 'bob'], ['ids']);
    const pinged: string[] = [];
    room.onMessage = (m) => pinged.push(m.text);
    room.receiveAll([live(9, 'bob', 'agora'), 'caio entrou no chat!', stored(8, 'bob', 'antes'), stored(9, 'bob', 'agora'), end()]);
    expect(shown(room.items)).toEqual(['past bob: antes', '--- earlier', '[welcome]', 'bob: agora', 'join']);
    expect(pinged).toEqual(['agora']); // the past asks for no attention
    expect(room.users).toEqual(['ana', 'bob', 'caio']); // the online list did not wait
  });

  it('shows no divider when nothing was said before', () => {
    const { room } = joinedWithIds();
    expect(shown(room.items)).toEqual(['[welcome]']);
  });

  it('sends what I type while the past is read after it', () => {
    const { room, transport } = joined('ana', ['ana', 'bob'], ['ids']);
    room.submit('oi');
    expect(transport.sent.at(-1)).toBe('/last 50');
    room.receiveAll([stored(3, 'bob', 'antes'), end()]);
    expect(transport.sent.at(-1)).toBe('oi');
    expect(shown(room.items)).toEqual(['past bob: antes', '--- earlier', '[welcome]', 'ana: oi']);
  });
});

describe('what a rejoin fills in (ids on)', () => {
  it('asks for what came after the largest id it has, my acknowledged lines included', () => {
    const j = joinedWithIds([stored(3, 'bob', 'antes')]);
    j.room.receive(live(4, 'bob', 'b'));
    j.room.submit('meu');
    j.room.receive(ack(5));
    rejoin(j);
    expect(j.transport.sent).toEqual(['/ext ids resume labels', 'ana', '/since 5']);
  });

  it('shows each missed line once, in order, before what arrives meanwhile, paging until done', () => {
    const j = joinedWithIds([stored(3, 'bob', 'antes')]);
    rejoin(j);
    const before = j.room.items.length;
    const page1 = Array.from({ length: 500 }, (_, i) => stored(4 + i, 'bob', `perdida ${4 + i}`));
    j.room.receiveAll([live(1_200, 'bob', 'ao vivo'), ...page1, end(true)]);
    expect(j.transport.sent.at(-1)).toBe('/since 503');
    // The live lines were stored before the last answer: it has them too.
    const page2 = Array.from({ length: 698 }, (_, i) =>
      504 + i >= 1_200 ? stored(504 + i, 'bob', 504 + i === 1_200 ? 'ao vivo' : 'ao vivo 2') : stored(504 + i, 'bob', `perdida ${504 + i}`),
    );
    j.room.receiveAll([live(1_201, 'bob', 'ao vivo 2'), ...page2, end()]);
    const after = shown(j.room.items.slice(before));
    expect(after).toEqual([
      ...Array.from({ length: 1_196 }, (_, i) => `bob: perdida ${4 + i}`),
      // Held, and shown once in their place: after the rejoin, where they were said.
      '[reconnected]',
      'bob: ao vivo',
      'bob: ao vivo 2',
    ]);
    expect(j.room.items.slice(before).filter((i) => i.kind === 'msg' && i.past)).toEqual([]); // missed lines are news, not the past
  });

  it('says in the reconnect line that private lines sent meanwhile may be lost', () => {
    const j = joinedWithIds();
    rejoin(j);
    j.room.receive(end());
    expect(j.room.items.at(-1)).toMatchObject({ kind: 'status', status: 'reconnected', ids: true });
  });

  it('sends lines typed while away after the missed ones, each then in its place at the end', () => {
    const j = joinedWithIds();
    j.transport.open = false;
    j.room.closed();
    j.room.submit('digitado fora');
    rejoin(j);
    j.room.submit('digitado durante'); // while the history is read
    expect(j.transport.sent.at(-1)).toBe('/since 0');
    j.room.receiveAll([stored(1, 'bob', 'perdida'), end()]);
    expect(j.transport.sent.slice(-2)).toEqual(['digitado fora', 'digitado durante']);
    expect(shown(j.room.items)).toEqual([
      '[welcome]',
      '[disconnected]',
      'bob: perdida',
      '[reconnected]',
      'ana: digitado fora',
      'ana: digitado durante',
    ]);
    expect(j.room.pendingCount).toBe(0);
  });

  it('my line sent just before the drop and stored by the server shows once', () => {
    const j = joinedWithIds([stored(1, 'bob', 'antes')]);
    j.room.submit('chegou?'); // sent; the link dropped before its +ack
    rejoin(j);
    j.room.receiveAll([stored(2, 'ana', 'chegou?'), stored(3, 'bob', 'sim'), end()]);
    expect(j.transport.sent.at(-1)).toBe('/since 1');
    expect(messages(j.room.items).map((m) => m.text)).toEqual(['antes', 'chegou?', 'sim']);
  });

  it('my line sent just before the drop that the server never got is sent again', () => {
    const j = joinedWithIds();
    j.room.submit('um');
    j.room.submit('dois'); // neither acknowledged; only "um" reached the server
    rejoin(j);
    j.room.receiveAll([stored(1, 'ana', 'um'), end()]);
    expect(j.transport.sent.slice(-1)).toEqual(['dois']);
    expect(messages(j.room.items).map((m) => [m.text, m.state])).toEqual([
      ['um', 'sent'],
      ['dois', 'sent'],
    ]);
    j.room.receive(ack(2));
    rejoin(j);
    expect(j.transport.sent.at(-1)).toBe('/since 2');
  });

  it('a rejoin on a server without history says that anything sent meanwhile may be lost', () => {
    const j = joinedWithIds();
    rejoin(j, []);
    expect(j.transport.sent).toEqual(['/ext ids resume labels', 'ana']);
    expect(j.room.items.at(-1)).toMatchObject({ kind: 'status', status: 'reconnected', ids: false });
  });
});

describe('a /history typed on the page', () => {
  it('shows the answer: a heading, the lines quieter with the server’s stamps, and the end', () => {
    const { room, transport } = joined();
    room.submit('/history 2');
    expect(transport.sent.at(-1)).toBe('/history 2');
    room.receiveAll(['Histórico (2):', '[24/11 14:05] bob: oi, pessoal', '[24/11 14:06] ana: olá!', 'Fim do histórico.']);
    expect(shown(room.items.slice(1))).toEqual(['--- start', 'past bob: oi, pessoal', 'past ana: olá!', '--- end']);
    expect(room.items[1]).toMatchObject({ kind: 'history', mark: 'start', count: 2 });
    expect(messages(room.items).map((m) => [m.stamp, m.own])).toEqual([
      ['24/11 14:05', false],
      ['24/11 14:06', true],
    ]);
  });

  it('shows its other answers as lines of their own', () => {
    const { room } = joined();
    room.receiveAll(['Nenhuma mensagem no histórico.', 'Uso: /history [n], com n de 1 a 200.', 'Histórico desativado neste servidor.']);
    expect(shown(room.items.slice(1))).toEqual(['--- empty', '--- usage', '--- off']);
  });
});
