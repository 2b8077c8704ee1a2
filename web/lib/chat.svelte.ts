/**
 * The chat as the page sees it: the phase (asking a name, joining, chatting),
 * who I am, who is online, the message list and what waits to be sent.
 * It speaks the line protocol through a Transport (connection.ts) and knows
 * nothing about sockets, so it can be driven line by line in tests.
 */
import {
  type Notice,
  nameKey,
  normalizeName,
  parseClientLine,
  parseServerLine,
  sanitize,
  sortNames,
  utf8Length,
} from '../../protocol/index.ts';
import { Outbox } from './outbox.ts';
import { mentionsMe } from './segments.ts';

/** Items kept in memory; older ones are dropped (the DOM shows far fewer, see MessageList). */
export const MAX_ITEMS = 10_000;
/** The server's default CHAT_MAX_LINE; a "too long" notice teaches the real one. */
export const DEFAULT_MAX_LINE = 4096;

export type MessageState = 'sent' | 'pending' | 'failed';

export interface MessageItem {
  id: number;
  kind: 'msg';
  time: number;
  from: string;
  text: string;
  own: boolean;
  /** The other side of a private message (recipient when own, sender otherwise); null when public. */
  peer: string | null;
  /** Someone else's line that mentions me. */
  mention: boolean;
  state: MessageState;
  /** My own line's bytes as sent (`@name`, spaces and `//` included), to match a "too long" answer. */
  bytes?: number;
}

export type Item =
  | MessageItem
  | { id: number; kind: 'join' | 'leave'; time: number; name: string }
  | { id: number; kind: 'users'; time: number; users: string[] }
  | { id: number; kind: 'notice'; time: number; notice: Notice }
  | { id: number; kind: 'status'; time: number; status: 'welcome' | 'reconnected' | 'disconnected'; name: string };

export type Phase = 'name' | 'joining' | 'chat';
export type Link = 'idle' | 'connecting' | 'open' | 'closed';

export type NameError =
  | { reason: 'invalid' }
  | { reason: 'taken'; name: string; rejoin: boolean }
  | { reason: 'timeout' };

export interface Transport {
  /** Sends one line; false when the socket is not open. */
  send(line: string): boolean;
  /** Opens a socket if none is open or opening. */
  connect(): void;
  /** Closes on purpose: no reconnect. */
  close(): void;
}

export class ChatSession {
  phase = $state.raw<Phase>('name');
  link = $state.raw<Link>('idle');
  /** My name: the one joined with, or the one being tried. */
  me = $state.raw('');
  users = $state.raw<string[]>([]);
  items = $state.raw<Item[]>([]);
  nameError = $state.raw<NameError | null>(null);
  pendingCount = $state.raw(0);
  maxLine = $state.raw(DEFAULT_MAX_LINE);
  /** When the next reconnect attempt happens (ms since epoch), or null. */
  retryAt = $state.raw<number | null>(null);

  /** Someone else's message arrived (for the unread count and notifications). */
  onMessage: (item: MessageItem) => void = () => {};
  /** A welcome arrived: the name worked (remembered for next time). */
  onJoined: (name: string) => void = () => {};

  transport: Transport | null = null;
  /** Whether the current socket got a welcome. */
  joined = $state.raw(false);
  private readonly outbox = new Outbox();
  private nextId = 1;
  private batch: Item[] | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /** The name prompt's submit: joins now if a socket is waiting for a name, else connects. */
  chooseName(raw: string): void {
    this.me = normalizeName(raw);
    this.nameError = null;
    this.phase = 'joining';
    if (this.link === 'open' && !this.joined) this.transport?.send(this.me);
    else this.transport?.connect();
  }

  /** The socket opened: the first frame is the name. */
  opened(): void {
    this.link = 'open';
    this.joined = false;
    this.retryAt = null;
    if (this.phase !== 'name' && this.me) this.transport?.send(this.me);
  }

  /** The socket closed; returns whether to reconnect. */
  closed(): boolean {
    const wasJoined = this.joined;
    this.link = 'closed';
    this.joined = false;
    if (wasJoined) this.add({ kind: 'status', status: 'disconnected', name: this.me });
    return this.phase !== 'name';
  }

  /** Several server lines at once (one list update for all of them). */
  receiveAll(lines: readonly string[]): void {
    this.batch = [];
    try {
      for (const line of lines) this.receive(line);
    } finally {
      const batch = this.batch;
      this.batch = null;
      if (batch.length > 0) this.append(batch);
    }
  }

  receive(line: string): void {
    const event = parseServerLine(line);
    switch (event.type) {
      case 'prompt':
        return; // the name is sent unasked, as the first frame
      // In the chat phase the name was sent by the page itself, rejoining after a drop.
      case 'name-error':
        this.nameError =
          event.reason === 'invalid' ? { reason: 'invalid' } : { reason: 'taken', name: event.name, rejoin: this.phase === 'chat' };
        this.phase = 'name';
        return;
      case 'welcome': {
        const again = this.phase === 'chat';
        this.me = event.name;
        this.users = event.users;
        this.joined = true;
        this.phase = 'chat';
        this.nameError = null;
        this.add({ kind: 'status', status: again ? 'reconnected' : 'welcome', name: event.name });
        this.onJoined(event.name);
        this.flush();
        return;
      }
      case 'users':
        this.users = event.users;
        this.add({ kind: 'users', users: event.users });
        return;
      case 'join':
        if (!this.users.some((u) => nameKey(u) === nameKey(event.name))) this.users = sortNames([...this.users, event.name]);
        this.add({ kind: 'join', name: event.name });
        return;
      case 'leave':
        this.users = this.users.filter((u) => nameKey(u) !== nameKey(event.name));
        this.add({ kind: 'leave', name: event.name });
        return;
      case 'public':
      case 'private': {
        const priv = event.type === 'private';
        const item = this.add({
          kind: 'msg',
          from: event.from,
          text: event.text,
          own: false,
          peer: priv ? event.from : null,
          mention: mentionsMe(event.text, this.me),
          state: 'sent',
        }) as MessageItem;
        this.onMessage(item);
        return;
      }
      case 'notice':
        if (event.notice === 'name-timeout' && !this.joined) {
          this.phase = 'name';
          this.nameError = { reason: 'timeout' };
          return;
        }
        if (event.notice === 'not-found') this.markFailed((m) => m.peer !== null && nameKey(m.peer) === nameKey(event.name));
        if (event.notice === 'too-long') {
          this.maxLine = event.max;
          this.markFailed((m) => m.bytes! > event.max);
        }
        this.add({ kind: 'notice', notice: event });
        return;
    }
  }

  /**
   * The composer's Enter. Shows my line at once (the server does not echo it)
   * and sends it, or keeps it pending until the chat is joined again.
   * Returns false when there is nothing to send or it is over the limit.
   */
  submit(raw: string): boolean {
    const text = sanitize(raw);
    const bytes = utf8Length(text);
    if (text.trim() === '' || bytes > this.maxLine) return false;
    const line = parseClientLine(text);
    if (line.type === 'quit') {
      this.transport?.send(text);
      this.leave();
      return true;
    }
    // Lines wait behind older pending ones so that nothing is reordered.
    const direct = this.ready() && this.outbox.size === 0;
    let id = 0;
    if (line.type === 'public' || line.type === 'private') {
      id = this.add({
        kind: 'msg',
        from: this.me,
        text: line.text,
        own: true,
        peer: line.type === 'private' ? line.to : null,
        mention: false,
        state: direct ? 'sent' : 'pending',
        bytes,
      }).id;
    }
    if (!(direct && this.transport?.send(text))) {
      this.outbox.add(id, text);
      this.pendingCount = this.outbox.size;
      if (direct && id) this.setState([id], 'pending');
    }
    return true;
  }

  /** Leaves on purpose (/quit): back to the name prompt, no reconnect. */
  leave(): void {
    this.phase = 'name';
    this.joined = false;
    this.transport?.close();
  }

  private ready(): boolean {
    return this.joined && this.link === 'open';
  }

  private flush(): void {
    const sent = this.outbox.flush((line) => this.transport?.send(line) ?? false);
    this.pendingCount = this.outbox.size;
    this.setState(sent.filter((id) => id > 0), 'sent');
  }

  private add(item: Omit<MessageItem, 'id' | 'time'> | DistributiveOmit<Exclude<Item, MessageItem>, 'id' | 'time'>): Item {
    const full = { ...item, id: this.nextId++, time: this.now() } as Item;
    if (this.batch) this.batch.push(full);
    else this.append([full]);
    return full;
  }

  private append(added: Item[]): void {
    const all = this.items.concat(added);
    this.items = all.length > MAX_ITEMS ? all.slice(all.length - MAX_ITEMS) : all;
  }

  private setState(ids: number[], state: MessageState): void {
    if (ids.length === 0) return;
    const set = new Set(ids);
    const update = (list: Item[]) => list.map((it) => (it.kind === 'msg' && set.has(it.id) ? { ...it, state } : it));
    if (this.batch) this.batch = update(this.batch);
    this.items = update(this.items);
  }

  /** Marks my latest delivered message matching `test` as not delivered. */
  private markFailed(test: (m: MessageItem) => boolean): void {
    const lists = this.batch ? [this.batch, this.items] : [this.items];
    for (const list of lists) {
      for (let i = list.length - 1; i >= 0; i--) {
        const it = list[i]!;
        if (it.kind === 'msg' && it.own && it.state === 'sent' && test(it)) {
          if (list === this.batch) this.batch[i] = { ...it, state: 'failed' };
          else this.setState([it.id], 'failed');
          return;
        }
      }
    }
  }
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
