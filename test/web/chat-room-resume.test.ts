/**
 * Session resume and labelled lines, as the page's chat state sees them
 * (docs/PROTOCOL.md, `resume`, `labels`, The page's side): driven line by
 * line as the server would send them, with a link that records what the
 * page sends and a sessionStorage stand-in that outlives a "reload" (a new
 * ChatRoom on the same storage).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatRoom, NAME_RETRY_MAX_MS, NAME_WAIT_MS } from '../../web/lib/chat-room.svelte.ts';
import { MemoryStorage, RecordingTransport } from './stand-ins.ts';
import type { Item, MessageItem } from '../../web/lib/message-log.svelte.ts';
import { SESSION_KEY, SessionStore } from '../../web/lib/session-store.ts';



const FEATURES = '+ext ids resume labels';

/** A page (a ChatRoom) on `storage`; `opens()` is a socket opening, `drops()` it closing. */
function page(storage = new MemoryStorage()) {
  const link = new RecordingTransport();
  const room = new ChatRoom(link, () => 1_000, new SessionStore(storage));
  const opens = () => {
    link.open = true;
    link.sent = [];
    room.opened();
  };
  const drops = () => {
    link.open = false;
    return room.closed();
  };
  const receive = (...lines: string[]) => room.receiveAll(lines);
  return { room, link, storage, opens, drops, receive };
}

/** Joined as ana with a session (token `tok`), the recent past read (empty). */
function joinedWithSession(storage?: MemoryStorage) {
  const p = page(storage);
  p.room.chooseName('ana');
  p.opens();
  p.receive('Digite seu nome:', FEATURES, '+session tok', 'Bem-vindo, ana! Online (2): ana, bob', '+hist-end done');
  return p;
}

const messages = (items: Item[]) => items.filter((i): i is MessageItem => i.kind === 'msg');
const texts = (items: Item[]) => messages(items).map((m) => m.text);
const labelOf = (line: string) => line.split(' ')[1]!;
const saved = (storage: MemoryStorage) => JSON.parse(storage.getItem(SESSION_KEY) ?? 'null');

describe('the session', () => {
  it('asks for resume and labels, keeps the token, and counts every line after +session', () => {
    const p = page();
    p.room.chooseName('ana');
    p.opens();
    expect(p.link.sent).toEqual(['/ext ids resume labels', 'ana']);
    p.receive('Digite seu nome:', FEATURES, '+session tok', 'Bem-vindo, ana! Online (2): ana, bob');
    // The welcome is line 1; the `/last 50` answer and what follows count too.
    p.receive('+hist-end done', 'bob entrou no chat!');
    expect(saved(p.storage)).toEqual({ token: 'tok', count: 3, name: 'ana' });
  });

  it('after a drop sends /resume with its count (not its name) once the server says resuming is on', () => {
    const p = joinedWithSession();
    p.receive('+msg 1 5 bob: oi', '[privado] bob: psst');
    expect(p.drops()).toBe(true);
    p.opens();
    expect(p.link.sent).toEqual(['/ext ids resume labels']); // waits for the answer
    p.receive('Digite seu nome:', FEATURES);
    expect(p.link.sent.at(-1)).toBe('/resume tok 4');
  });

  it('a resume shows exactly what was missed, once, in order, with no welcome and no history request', () => {
    const p = joinedWithSession();
    p.receive('+msg 1 5 bob: before');
    p.drops();
    p.opens();
    p.receive('Digite seu nome:', FEATURES, '+resumed ana 6', '+msg 2 6 bob: missed 1', '[privado] bob: missed 2', 'cid entrou no chat!');
    expect(p.room.phase).toBe('chat');
    expect(p.room.joined).toBe(true);
    expect(texts(p.room.items)).toEqual(['before', 'missed 1', 'missed 2']);
    expect(p.room.users).toEqual(['ana', 'bob', 'cid']);
    expect(p.link.sent).toEqual(['/ext ids resume labels', '/resume tok 3']);
    expect(p.room.items.filter((i) => i.kind === 'status').map((i) => (i as { status: string }).status)).toEqual([
      'welcome',
      'disconnected',
      'resumed',
    ]);
    expect(saved(p.storage).count).toBe(6); // the replay and what comes after count on
  });

  it('an unknown or expired session: joins with its name, fills public lines from the history, and says private ones may be lost', () => {
    const p = joinedWithSession();
    p.receive('+msg 3 5 bob: before');
    p.drops();
    p.opens();
    p.receive('Digite seu nome:', FEATURES, '+resume-failed unknown', 'Digite seu nome:');
    expect(p.link.sent.slice(-2)).toEqual(['/resume tok 3', 'ana']);
    expect(p.storage.getItem(SESSION_KEY)).toBeNull();
    p.receive('+session tok2', 'Bem-vindo, ana! Online (2): ana, bob');
    expect(p.link.sent.at(-1)).toBe('/since 3');
    p.receive('+hist 4 6 bob: missed', '+hist-end done');
    expect(texts(p.room.items)).toEqual(['before', 'missed']);
    const last = p.room.items.filter((i) => i.kind === 'status').at(-1);
    expect(last).toMatchObject({ status: 'reconnected', ids: true });
    expect(saved(p.storage)).toMatchObject({ token: 'tok2', name: 'ana' });
  });

  it('with resuming off on the server now, joins with its name at once', () => {
    const p = joinedWithSession();
    p.drops();
    p.opens();
    p.receive('Digite seu nome:', '+ext ids labels');
    expect(p.link.sent).toEqual(['/ext ids resume labels', 'ana']);
    p.receive('Bem-vindo, ana! Online (1): ana', '+hist-end done');
    expect(p.room.items.at(-1)).toMatchObject({ kind: 'status', status: 'reconnected' });
  });

  it('a session moved to another tab: forgets the token, comes back with its name, and does not fight for it', () => {
    const p = joinedWithSession();
    p.receive('+session-moved');
    expect(p.storage.getItem(SESSION_KEY)).toBeNull();
    expect(p.room.items.at(-1)).toMatchObject({ kind: 'status', status: 'moved' });
    expect(p.drops()).toBe(true);
    p.opens();
    expect(p.link.sent).toEqual(['/ext ids resume labels', 'ana']); // no /resume
    p.receive('Digite seu nome:', FEATURES, 'Nome já em uso: ana.', 'Digite seu nome:');
    expect(p.room.phase).toBe('name');
    expect(p.room.nameError).toEqual({ reason: 'moved', name: 'ana' });
    expect(p.drops()).toBe(false); // waits at the prompt
  });

  it('a resume the server finds malformed or too far behind is a failed one: the name follows', () => {
    for (const answer of ['+usage resume', '+resume-failed gap']) {
      const p = joinedWithSession();
      p.drops();
      p.opens();
      p.receive('Digite seu nome:', FEATURES, answer, 'Digite seu nome:');
      expect(p.link.sent.slice(-2)).toEqual(['/resume tok 2', 'ana']);
      expect(p.storage.getItem(SESSION_KEY)).toBeNull();
    }
  });

  it('a server from before extensions (the bad-name answer to /ext): joins with the name, the session forgotten', () => {
    const p = joinedWithSession();
    p.drops();
    p.opens();
    p.receive('Digite seu nome:', 'Nome inválido: use de 1 a 32 letras, números, _, - ou . (sem espaços).', 'Digite seu nome:');
    expect(p.link.sent).toEqual(['/ext ids resume labels', 'ana']);
    expect(p.room.nameError).toBeNull();
    expect(p.storage.getItem(SESSION_KEY)).toBeNull();
  });

  it('a drop in the middle of the history answer: the resume\'s replay brings the rest, each line once', () => {
    const p = page();
    p.room.chooseName('ana');
    p.opens();
    p.receive('Digite seu nome:', FEATURES, '+session tok', 'Bem-vindo, ana! Online (2): ana, bob', '+hist 1 5 bob: old 1');
    p.drops();
    p.opens();
    p.receive('Digite seu nome:', FEATURES, '+resumed ana 5', '+hist 2 6 bob: old 2', '+hist-end done', '+msg 3 7 bob: live');
    expect(p.link.sent.at(-1)).toBe('/resume tok 2');
    expect(texts(p.room.items)).toEqual(['old 1', 'old 2', 'live']);
  });

  it('/quit ends the session: the next visit does not resume', () => {
    const p = joinedWithSession();
    p.room.submit('/quit');
    expect(p.storage.getItem(SESSION_KEY)).toBeNull();
  });
});

describe('labelled lines', () => {
  it('each chat line goes out labelled and shows "sending" until its +ack; commands go as typed', () => {
    const p = joinedWithSession();
    p.room.submit('hello');
    p.room.submit('@bob psst');
    p.room.submit('/users');
    const [l1, l2, users] = p.link.sent.slice(-3);
    expect(l1).toMatch(/^\/label [A-Za-z0-9_-]{22} hello$/u);
    expect(l2).toMatch(/^\/label [A-Za-z0-9_-]{22} @bob psst$/u);
    expect(labelOf(l1!)).not.toBe(labelOf(l2!));
    expect(users).toBe('/users');
    expect(messages(p.room.items).map((m) => m.state)).toEqual(['sending', 'sending']);
    expect(p.room.pendingCount).toBe(2);
    p.receive(`+ack 9 7 ${labelOf(l1!)}`, `+ack - 7 ${labelOf(l2!)}`);
    expect(messages(p.room.items).map((m) => m.state)).toEqual(['sent', 'sent']);
    expect(p.room.pendingCount).toBe(0);
    p.receive(`+ack 9 7 ${labelOf(l1!)}`); // a repeat changes nothing
    expect(messages(p.room.items)).toHaveLength(2);
  });

  it('a private line to someone absent is marked not delivered, and its +ack does not undo that', () => {
    const p = joinedWithSession();
    p.room.submit('@zoe oi');
    const label = labelOf(p.link.sent.at(-1)!);
    p.receive('Usuário zoe não encontrado.', `+ack - 7 ${label}`);
    expect(messages(p.room.items)[0]).toMatchObject({ state: 'failed', failure: { notice: 'not-found', name: 'zoe' } });
    expect(p.room.pendingCount).toBe(0);
  });

  it('after a resume, lines the replay confirms are not sent again; the others are, same labels, in order, after the replay', () => {
    const p = joinedWithSession();
    p.room.submit('one');
    p.room.submit('two');
    p.room.submit('three');
    const [a, b, c] = p.link.sent.slice(-3).map(labelOf);
    p.drops();
    p.room.submit('four'); // typed while away
    p.opens();
    p.receive('Digite seu nome:', FEATURES, '+resumed ana 4');
    expect(p.link.sent.at(-1)).toBe('/resume tok 2');
    p.receive(`+ack 5 7 ${a}`); // the replay: "one" had reached the server
    expect(p.link.sent.at(-1)).toBe('/resume tok 2'); // one replayed line still to come
    p.receive('bob: meanwhile');
    const resent = p.link.sent.slice(-3);
    expect(resent.map(labelOf)).toEqual([b, c, expect.any(String)]);
    expect(resent.map((l) => l.split(' ').slice(2).join(' '))).toEqual(['two', 'three', 'four']);
    expect(texts(p.room.items)).toEqual(['one', 'meanwhile', 'two', 'three', 'four']);
    expect(messages(p.room.items).map((m) => m.state)).toEqual(['sent', 'sent', 'sending', 'sending', 'sending']);
  });

  it('after a rejoin, a resent line the server had stored shows once (the history’s copy, in its place)', () => {
    const p = joinedWithSession();
    p.room.submit('stored before the drop');
    p.room.submit('never arrived');
    const [a, b] = p.link.sent.slice(-2).map(labelOf);
    p.drops();
    p.opens();
    p.receive('Digite seu nome:', FEATURES, '+resume-failed unknown', 'Digite seu nome:', '+session t2', 'Bem-vindo, ana! Online (1): ana');
    expect(p.link.sent.at(-1)).toBe('/since 0');
    p.receive('+hist 1 5 ana: stored before the drop', '+hist 2 6 bob: after it', '+hist-end done');
    expect(p.link.sent.slice(-2)).toEqual([`/label ${a} stored before the drop`, `/label ${b} never arrived`]);
    p.receive(`+ack 1 5 ${a}`, `+ack 3 8 ${b}`); // the first is recognised: the same ack again
    expect(texts(p.room.items)).toEqual(['stored before the drop', 'after it', 'never arrived']);
    expect(messages(p.room.items).every((m) => m.state === 'sent')).toBe(true);
    expect(p.room.pendingCount).toBe(0);
  });
});

describe('the line limit with labels', () => {
  it('leaves room for the label: a line that fits the server’s limit labelled is accepted, one byte more is not', () => {
    const p = joinedWithSession();
    expect(p.room.maxLine).toBe(4096 - 30);
    expect(p.room.submit('x'.repeat(4096 - 30 + 1))).toBe(false);
    expect(p.room.submit('x'.repeat(4096 - 30))).toBe(true);
    expect(new TextEncoder().encode(p.link.sent.at(-1)!).length).toBe(4096);
  });

  it('a "too long" answer marks my line by its labelled size and teaches the server’s limit', () => {
    const p = joinedWithSession();
    p.room.submit('y'.repeat(80));
    const label = p.link.sent.at(-1)!.split(' ')[1]!;
    p.receive('Mensagem muito longa (máximo 100 bytes).', `+ack - 7 ${label}`);
    expect(messages(p.room.items)[0]).toMatchObject({ state: 'failed', failure: { notice: 'too-long', max: 100 } });
    expect(p.room.maxLine).toBe(70);
  });
});

describe('a reload', () => {
  it('resumes the session with its stored count, brings back unconfirmed lines, and fills the list quietly', () => {
    const storage = new MemoryStorage();
    const before = joinedWithSession(storage);
    before.receive('+msg 1 5 bob: before the reload');
    before.room.submit('mine, unconfirmed');
    const label = labelOf(before.link.sent.at(-1)!);
    before.room.persist(); // pagehide

    const after = page(storage);
    after.room.restore('');
    expect(after.link.connects).toBe(1);
    expect(after.room.phase).toBe('joining');
    expect(messages(after.room.items)).toMatchObject([{ text: 'mine, unconfirmed', state: 'pending', own: true, from: 'ana' }]);
    expect(after.room.pendingCount).toBe(1);
    after.opens();
    after.receive('Digite seu nome:', FEATURES);
    expect(after.link.sent.at(-1)).toBe('/resume tok 3');
    after.receive('+resumed ana 4', '+msg 2 6 bob: during the reload');
    // The online list (not shown as a line) and the recent past, then my line goes again.
    expect(after.link.sent.slice(-2)).toEqual(['/users', '/last 50']);
    after.receive('Online (2): ana, bob', '+hist 1 5 bob: before the reload', '+hist 2 6 bob: during the reload', '+hist-end done');
    expect(after.link.sent.at(-1)).toBe(`/label ${label} mine, unconfirmed`);
    expect(after.room.users).toEqual(['ana', 'bob']);
    expect(after.room.items.some((i) => i.kind === 'users')).toBe(false);
    expect(texts(after.room.items)).toEqual(['before the reload', 'during the reload', 'mine, unconfirmed']);
  });

  it('with no session kept, shows the prompt and keeps the waiting lines for after the join', () => {
    const storage = new MemoryStorage();
    storage.setItem('chat.pending', JSON.stringify([{ line: 'typed offline', label: 'Lx' }]));
    const p = page(storage);
    p.room.restore('kim');
    expect(p.room.phase).toBe('name');
    expect(p.link.connects).toBe(0);
    expect(messages(p.room.items)).toMatchObject([{ from: 'kim', text: 'typed offline', state: 'pending' }]);
    p.room.chooseName('kim');
    p.opens();
    p.receive('Digite seu nome:', FEATURES, '+session s', 'Bem-vindo, kim! Online (1): kim', '+hist-end done');
    expect(p.link.sent.at(-1)).toBe('/label Lx typed offline');
  });
});

describe('in a cluster: the node and the name', () => {
  /** A page whose clock the test moves, joined with a session token that names node-1. */
  function clusterPage() {
    let now = 1_000;
    const storage = new MemoryStorage();
    const link = new RecordingTransport();
    const room = new ChatRoom(link, () => now, new SessionStore(storage));
    const opens = () => {
      link.open = true;
      link.sent = [];
      room.opened();
    };
    const receive = (...lines: string[]) => room.receiveAll(lines);
    room.chooseName('ana');
    opens();
    receive('Digite seu nome:', FEATURES, '+session s3cr3t.node-1', 'Bem-vindo, ana! Online (2): ana, bob', '+hist-end done');
    const drops = () => {
      link.open = false;
      return room.closed();
    };
    /** Dropped and back on another node, which does not know the session: the page rejoins with its name. */
    const resumeFails = () => {
      drops();
      opens();
      receive('Digite seu nome:', FEATURES, '+resume-failed unknown', 'Digite seu nome:');
    };
    return { room, link, storage, opens, drops, receive, resumeFails, tick: (ms: number) => (now += ms) };
  }

  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks for the node its token names while it has a session, and for none once the session is over', () => {
    const p = clusterPage();
    expect(p.room.node).toBe('node-1');
    p.resumeFails();
    expect(p.room.node).toBeNull();
    const plain = joinedWithSession(); // the single server's token names no node
    expect(plain.room.node).toBeNull();
  });

  it('after a failed resume, a name still in use is tried again with backoff, saying so, until it is free', () => {
    vi.useFakeTimers();
    const p = clusterPage();
    p.resumeFails();
    expect(p.link.sent.slice(-1)).toEqual(['ana']);
    for (let i = 0; i < 4; i++) {
      p.receive('Nome já em uso: ana.', 'Digite seu nome:');
      expect(p.room.nameWait).toBe(true);
      expect(p.room.nameError).toBeNull();
      expect(p.room.phase).toBe('chat'); // no name prompt
      const sent = p.link.sent.length;
      vi.advanceTimersByTime(NAME_RETRY_MAX_MS);
      p.tick(NAME_RETRY_MAX_MS);
      expect(p.link.sent.slice(sent)).toEqual(['ana']); // once per answer, not more
    }
    p.receive('+session t2.node-2', 'Bem-vindo, ana! Online (2): ana, bob');
    expect(p.room.nameWait).toBe(false);
    expect(p.room.joined).toBe(true);
    expect(p.room.node).toBe('node-2');
    // The missed public lines are asked for, and the line about private ones is shown.
    expect(p.link.sent.at(-1)).toMatch(/^\/since /);
    p.receive('+hist-end done');
    expect(p.room.items.filter((i) => i.kind === 'status').at(-1)).toMatchObject({ status: 'reconnected', ids: true });
  });

  it('gives up after NAME_WAIT_MS: the name prompt, as before, saying the name was taken while away', () => {
    vi.useFakeTimers();
    const p = clusterPage();
    p.resumeFails();
    p.tick(NAME_WAIT_MS);
    p.receive('Nome já em uso: ana.', 'Digite seu nome:');
    expect(p.room.nameWait).toBe(false);
    expect(p.room.phase).toBe('name');
    expect(p.room.nameError).toEqual({ reason: 'taken', name: 'ana', rejoin: true });
    const sent = p.link.sent.length;
    vi.advanceTimersByTime(NAME_WAIT_MS);
    expect(p.link.sent.length).toBe(sent); // nothing more is tried
  });

  it('a drop while waiting: the timer stops, the next socket tries the name itself, and the wait goes on', () => {
    vi.useFakeTimers();
    const p = clusterPage();
    p.resumeFails();
    p.receive('Nome já em uso: ana.', 'Digite seu nome:');
    p.drops();
    vi.advanceTimersByTime(NAME_WAIT_MS); // no try on a closed socket
    p.opens();
    expect(p.link.sent).toEqual(['/ext ids resume labels', 'ana']);
    p.receive('Digite seu nome:', FEATURES, 'Nome já em uso: ana.', 'Digite seu nome:');
    expect(p.room.nameWait).toBe(true);
  });

  it('on a single server (a token naming no node) a failed resume\'s taken name is someone else\'s: the prompt at once', () => {
    vi.useFakeTimers();
    const p = joinedWithSession();
    p.drops();
    p.opens();
    p.receive('Digite seu nome:', FEATURES, '+resume-failed unknown', 'Digite seu nome:', 'Nome já em uso: ana.', 'Digite seu nome:');
    expect(p.room.nameWait).toBe(false);
    expect(p.room.phase).toBe('name');
    expect(p.room.nameError).toEqual({ reason: 'taken', name: 'ana', rejoin: true });
    const sent = p.link.sent.length;
    vi.advanceTimersByTime(NAME_WAIT_MS);
    expect(p.link.sent.length).toBe(sent);
  });

  it('a name the user types at the prompt gets the server\'s answer at once: no retry', () => {
    vi.useFakeTimers();
    const p = page();
    p.room.chooseName('ana');
    p.opens();
    p.receive('Digite seu nome:', FEATURES, 'Nome já em uso: ana.', 'Digite seu nome:');
    expect(p.room.phase).toBe('name');
    expect(p.room.nameWait).toBe(false);
    expect(p.room.nameError).toEqual({ reason: 'taken', name: 'ana', rejoin: false });
    vi.advanceTimersByTime(NAME_WAIT_MS);
    expect(p.link.sent).toEqual(['/ext ids resume labels', 'ana']);
  });
});
