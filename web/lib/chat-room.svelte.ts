/**
 * The chat as the page takes part in it: the join state machine (asking a
 * name, joining, chatting), who I am, what waits to be sent, the room's
 * history (the recent past on joining, what was missed after a rejoin), and
 * the server's parting words. What is shown lives in a MessageLog, who is
 * online in a Roster. It speaks the line protocol through a RoomLink and
 * reads or writes nothing of the socket's state, so tests drive it line by
 * line.
 */
import {
  EXT_FEATURES,
  type Notice,
  extLine,
  nameKey,
  normalizeName,
  parseClientLine,
  parseServerLine,
  sanitize,
  utf8Length,
} from '../../protocol/index.ts';
import { Backfill } from './backfill.ts';
import type { LinkListener } from './gateway-link.svelte.ts';
import { MAX_ITEMS, type MessageItem, MessageLog, type NewItem } from './message-log.svelte.ts';
import { Outbox, type Pending } from './outbox.ts';
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
  /** This socket asked for extensions and the server has not answered yet. */
  private askingExt = false;
  /** The server tags public lines with history ids on this socket (`/ext ids` answered `+ext ids`). */
  private ids = false;
  private readonly backfill = new Backfill<NewItem>(MAX_ITEMS);
  /** A stored line was shown as the recent past: the divider under it is worth showing. */
  private pastShown = false;
  /** My public lines sent with ids on and not acknowledged yet (`+ack`), in order. */
  private unacked: (Pending & { from: string; text: string })[] = [];

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

  /** A socket opened: the first frames ask for extensions, then give the name (unless the user is still choosing one). */
  opened(): void {
    this.joined = false;
    this.ids = false;
    // "Full" was about the last socket; this one will say so again if it still is.
    if (this.farewell === 'full') this.farewell = null;
    this.askingExt = this.link.send(extLine(EXT_FEATURES));
    if (this.phase !== 'name' && this.me) this.link.send(this.me);
  }

  /** The socket closed; returns whether to reconnect. */
  closed(): boolean {
    const wasJoined = this.joined;
    this.joined = false;
    this.add(this.backfill.abort());
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
        return; // the name is sent unasked, right after `/ext ids`
      case 'ext-features':
        this.askingExt = false;
        this.ids = event.features.includes('ids');
        return;
      // In the chat phase the name was sent by the page itself, rejoining after a drop.
      case 'name-error':
        // A server without extensions takes `/ext ids` for a bad name: then there are none.
        if (this.askingExt && event.reason === 'invalid') {
          this.askingExt = false;
          return;
        }
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
        this.askingExt = false;
        this.link.resetBackoff();
        if (this.ids) {
          // The past first: what arrives meanwhile waits (held by the backfill), and so do my lines.
          this.link.send(this.backfill.start());
          this.pastShown = false;
          if (this.backfill.reading === 'last') this.show({ kind: 'history', mark: 'earlier' });
        } else {
          this.unacked = []; // no history to tell whether they arrived: they stay as shown
        }
        this.show({ kind: 'status', status: again ? 'reconnected' : 'welcome', name: event.name, ids: this.ids });
        this.onJoined(event.name);
        this.flush();
        return;
      }
      case 'users':
        this.roster.set(event.users);
        this.show({ kind: 'users', users: event.users });
        return;
      case 'join':
        this.roster.add(event.name);
        this.show({ kind: 'join', name: event.name });
        return;
      case 'leave':
        this.roster.remove(event.name);
        this.show({ kind: 'leave', name: event.name });
        return;
      case 'public':
      case 'private':
      case 'ext-public':
        this.show(this.message(event.from, event.text, event.type === 'private'), event.type === 'ext-public' ? event.id : undefined);
        return;
      case 'ext-ack':
        this.unacked.shift();
        this.show(undefined, event.id);
        return;
      case 'ext-history': {
        if (!this.backfill.reading) return; // only ever asked for by the page, which reads one answer at a time
        // My own line sent just before the link dropped, which the server got: it is on the list already.
        const head = this.unacked[0];
        const mine = head !== undefined && head.text === event.text && nameKey(head.from) === nameKey(event.from);
        if (mine) this.unacked.shift();
        const item = mine ? undefined : { ...this.message(event.from, event.text), time: event.time, past: this.backfill.reading === 'last' };
        this.add(this.backfill.stored(event.id, item), item);
        return;
      }
      case 'ext-history-end':
        if (event.more) this.link.send(this.backfill.more());
        else this.caughtUp();
        return;
      // Never asked with bad arguments; should it come, the page stops waiting for an answer.
      case 'ext-usage':
        this.caughtUp();
        return;
      case 'ext-unknown':
        return;
      // A `/history` typed on the page: its answer, shown like the recent past.
      case 'history-header':
        this.show({ kind: 'history', mark: 'start', count: event.count });
        return;
      case 'history-line':
        this.show({ ...this.message(event.from, event.text), past: true, stamp: event.stamp });
        return;
      case 'history-end':
        this.show({ kind: 'history', mark: 'end' });
        return;
      case 'history-notice':
        this.show({ kind: 'history', mark: event.notice });
        return;
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
        this.show({ kind: 'notice', notice });
        return;
      }
    }
  }

  /** A public or private line from someone (or from me, in the history). */
  private message(from: string, text: string, isPrivate = false): Omit<MessageItem, 'id' | 'time'> {
    const own = nameKey(from) === nameKey(this.me);
    return { kind: 'msg', from, text, own, peer: isPrivate ? from : null, mention: !own && mentionsMe(text, this.me), state: 'sent' };
  }

  /** Something arrived live (`id`: a public line's or my line's ack): shown now, or after the answer being read. */
  private show(item: NewItem | undefined, id?: number): void {
    this.add(this.backfill.live(id, item));
  }

  /** Adds what the backfill hands back; `stored` is the history's own copy (no notification for it). */
  private add(items: readonly NewItem[], stored?: NewItem): void {
    for (const it of items) {
      if (it.kind === 'history' && it.mark === 'earlier' && !this.pastShown) continue;
      const added = this.log.add(it);
      if (added.kind !== 'msg') continue;
      if (added.past) this.pastShown = true;
      else if (it !== stored && !added.own) this.onMessage(added);
    }
  }

  /** The answer is complete: what arrived meanwhile shows, then my waiting lines go out. */
  private caughtUp(): void {
    const reading = this.backfill.reading;
    if (!reading) return;
    this.add(this.backfill.done());
    // Sent just before the link dropped and not in the history: they never reached the server.
    if (reading === 'since' && this.unacked.length > 0) {
      this.outbox.requeue(this.unacked);
      this.log.setState(
        this.unacked.map((u) => u.id),
        'pending',
      );
    }
    this.unacked = [];
    this.flush();
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
    // Lines wait behind older pending ones so that nothing is reordered, and behind the history being read.
    const direct = this.joined && !this.backfill.reading && this.outbox.size === 0;
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
    } else if (line.type === 'public') {
      this.expectAck({ id, line: text }, line.text);
    }
    return true;
  }

  /** Leaves on purpose (/quit): back to the name prompt, no reconnect. */
  leave(): void {
    this.phase = 'name';
    this.joined = false;
    this.add(this.backfill.abort());
    this.link.close();
  }

  /** My public line went out: with ids on, its `+ack` will come (or, after a drop, its copy in the history). */
  private expectAck(sent: Pending, text: string): void {
    if (this.ids) this.unacked.push({ ...sent, from: this.me, text });
  }

  /** Sends what waits, once joined and caught up; each line sent takes its place at the end of the list. */
  private flush(): void {
    if (!this.joined || this.backfill.reading) return;
    const sent = this.outbox.flush((line) => this.link.send(line));
    this.pendingCount = this.outbox.size;
    const moved = this.log.sent(sent.map((p) => p.id).filter((id) => id > 0));
    for (const p of sent) {
      const m = moved.get(p.id);
      if (m && m.peer === null) this.expectAck({ id: m.id, line: p.line }, m.text);
    }
  }
}
