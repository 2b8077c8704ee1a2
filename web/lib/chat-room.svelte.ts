/**
 * The chat as the page takes part in it: the join state machine (asking a
 * name, joining, chatting), who I am, what waits to be sent, and the
 * server's parting words. What is shown lives in a MessageLog, who is online
 * in a Roster. It speaks the line protocol through a RoomLink and reads or
 * writes nothing of the socket's state, so tests drive it line by line.
 */
import {
  type Notice,
  nameKey,
  normalizeName,
  parseClientLine,
  parseServerLine,
  sanitize,
  utf8Length,
} from '../../protocol/index.ts';
import type { LinkListener } from './gateway-link.svelte.ts';
import { type MessageItem, MessageLog } from './message-log.svelte.ts';
import { Outbox } from './outbox.ts';
import { Roster } from './roster.svelte.ts';
import { mentionsMe } from './segments.ts';

/** The server's default CHAT_MAX_LINE; a "too long" notice teaches the real one. */
export const DEFAULT_MAX_LINE = 4096;

export type Phase = 'name' | 'joining' | 'chat';

export type NameError =
  | { reason: 'invalid' }
  | { reason: 'taken'; name: string; rejoin: boolean }
  | { reason: 'timeout' };

/** What the server said before closing: it is full, or it is shutting down. */
export type Farewell = 'full' | 'shutdown';

/** What the room needs from the link to the server (GatewayLink). */
export interface RoomLink {
  /** Sends one line; false when no socket is open. */
  send(line: string): boolean;
  /** Opens a socket if none is open or opening. */
  connect(): void;
  /** Closes on purpose: no retry. */
  close(): void;
  /** The join worked: a later drop retries quickly again. */
  resetBackoff(): void;
}

export class ChatRoom implements LinkListener {
  phase = $state.raw<Phase>('name');
  /** My name: the one joined with, or the one being tried. */
  me = $state.raw('');
  /** Whether the current socket got a welcome. */
  joined = $state.raw(false);
  nameError = $state.raw<NameError | null>(null);
  farewell = $state.raw<Farewell | null>(null);
  pendingCount = $state.raw(0);
  maxLine = $state.raw(DEFAULT_MAX_LINE);

  readonly log: MessageLog;
  readonly roster = new Roster();

  /** Someone else's message arrived (for the unread count and notifications). */
  onMessage: (item: MessageItem) => void = () => {};
  /** A welcome arrived: the name worked (remembered for next time). */
  onJoined: (name: string) => void = () => {};

  private readonly outbox = new Outbox();

  constructor(
    private readonly link: RoomLink,
    now: () => number = Date.now,
  ) {
    this.log = new MessageLog(now);
  }

  get items() {
    return this.log.items;
  }

  get users() {
    return this.roster.users;
  }

  /** The name prompt's submit: joins on the socket waiting for a name, or connects. */
  chooseName(raw: string): void {
    this.me = normalizeName(raw);
    this.nameError = null;
    this.phase = 'joining';
    if (!this.link.send(this.me)) this.link.connect();
  }

  /** The user edits the name: the server's last answer no longer applies. */
  editingName(): void {
    this.nameError = null;
  }

  /** A socket opened: the first frame is the name (unless the user is still choosing one). */
  opened(): void {
    this.joined = false;
    // "Full" was about the last socket; this one will say so again if it still is.
    if (this.farewell === 'full') this.farewell = null;
    if (this.phase !== 'name' && this.me) this.link.send(this.me);
  }

  /** The socket closed; returns whether to reconnect. */
  closed(): boolean {
    const wasJoined = this.joined;
    this.joined = false;
    if (wasJoined) this.log.add({ kind: 'status', status: 'disconnected', name: this.me });
    return this.phase !== 'name';
  }

  /** Several server lines at once (one list update for all of them). */
  receiveAll(lines: readonly string[]): void {
    this.log.together(() => {
      for (const line of lines) this.receive(line);
    });
  }

  receive(line: string): void {
    const event = parseServerLine(line);
    switch (event.type) {
      case 'prompt':
        this.farewell = null; // the server is back and talking
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
        this.roster.set(event.users);
        this.joined = true;
        this.phase = 'chat';
        this.nameError = null;
        this.farewell = null;
        this.link.resetBackoff();
        this.log.add({ kind: 'status', status: again ? 'reconnected' : 'welcome', name: event.name });
        this.onJoined(event.name);
        this.flush();
        return;
      }
      case 'users':
        this.roster.set(event.users);
        this.log.add({ kind: 'users', users: event.users });
        return;
      case 'join':
        this.roster.add(event.name);
        this.log.add({ kind: 'join', name: event.name });
        return;
      case 'leave':
        this.roster.remove(event.name);
        this.log.add({ kind: 'leave', name: event.name });
        return;
      case 'public':
      case 'private': {
        const item = this.log.add({
          kind: 'msg',
          from: event.from,
          text: event.text,
          own: false,
          peer: event.type === 'private' ? event.from : null,
          mention: mentionsMe(event.text, this.me),
          state: 'sent',
        });
        this.onMessage(item);
        return;
      }
      case 'notice': {
        const notice: Notice = event;
        switch (notice.notice) {
          case 'name-timeout':
            if (this.joined) break;
            this.phase = 'name';
            this.nameError = { reason: 'timeout' };
            return;
          // Said once before the server closes; the status shows it while the page retries.
          case 'server-full':
            this.farewell = 'full';
            return;
          case 'shutdown':
            this.farewell = 'shutdown';
            break;
          // One clear message: the answer goes on my message itself, not on a line of its own.
          case 'not-found':
            if (this.log.fail((m) => m.peer !== null && nameKey(m.peer) === nameKey(notice.name), notice)) return;
            break;
          case 'too-long':
            this.maxLine = notice.max;
            if (this.log.fail((m) => m.bytes! > notice.max, notice)) return;
            break;
        }
        this.log.add({ kind: 'notice', notice });
        return;
      }
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
      this.link.send(text);
      this.leave();
      return true;
    }
    // Lines wait behind older pending ones so that nothing is reordered.
    const direct = this.joined && this.outbox.size === 0;
    let id = 0;
    if (line.type === 'public' || line.type === 'private') {
      id = this.log.add({
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
    if (!(direct && this.link.send(text))) {
      this.outbox.add(id, text);
      this.pendingCount = this.outbox.size;
      if (direct && id) this.log.setState([id], 'pending');
    }
    return true;
  }

  /** Leaves on purpose (/quit): back to the name prompt, no reconnect. */
  leave(): void {
    this.phase = 'name';
    this.joined = false;
    this.link.close();
  }

  private flush(): void {
    const sent = this.outbox.flush((line) => this.link.send(line));
    this.pendingCount = this.outbox.size;
    this.log.setState(
      sent.filter((id) => id > 0),
      'sent',
    );
  }
}
