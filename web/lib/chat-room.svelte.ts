/**
 * The chat as the page takes part in it: the join state machine (asking a
 * name, joining, chatting), who I am, what waits to be sent, the room's
 * history (the recent past on joining, what was missed after a rejoin), and
 * the server's parting words. What is shown lives in a MessageLog, who is
 * online in a Roster. It speaks the line protocol through a RoomLink and
 * reads or writes nothing of the socket's state, so tests drive it line by
 * line.
 *
 * Sessions and labels (docs/PROTOCOL.md, The page's side): with `resume` on,
 * the server gives the page a session token; the page counts the lines it
 * receives and keeps `{token, count, name}` (and the lines not confirmed)
 * in a SessionStore, so that after a drop or a reload it sends `/resume`
 * instead of its name and gets exactly what it missed. With `labels` on,
 * each chat line goes out labelled and stays "sending" until its `+ack`;
 * what is not confirmed is sent again, same labels, after a resume or a
 * rejoin, and the server processes each label once.
 */
import {
  ALL_EXT_FEATURES,
  type ExtEvent,
  type Notice,
  extLine,
  nameKey,
  normalizeName,
  parseClientLine,
  parseServerLine,
  resumeLine,
  sanitize,
  tokenNode,
  utf8Length,
} from '../../protocol/index.ts';
import { Backfill } from './backfill.ts';
import { backoffDelay } from './backoff.ts';
import type { LinkListener } from './gateway-link.svelte.ts';
import { MAX_ITEMS, type MessageItem, MessageLog, type NewItem } from './message-log.svelte.ts';
import { Outbox, type Pending } from './outbox.ts';
import { Roster } from './roster.svelte.ts';
import { mentionsMe } from './segments.ts';
import { newLabel } from './labels.ts';
import { countsLine } from './session-lines.ts';
import { type Saved, SessionStore } from './session-store.ts';

/** The server's default CHAT_MAX_LINE; a "too long" notice teaches the real one. */
export const DEFAULT_MAX_LINE = 4096;
/** What `/label <label> ` adds to a line (a 22-character label): the server's limit counts it. */
export const LABEL_OVERHEAD = '/label '.length + 22 + 1;

/**
 * After a failed resume of a cluster node's session (its token names the
 * node), how long the page's own rejoin keeps asking for its name while the
 * server says it is in use. In a cluster the name can still
 * be held elsewhere for a while: by the session's node that died, until the
 * others notice (CHAT_NODE_TTL_MS, 5 s), or by the session itself on a node
 * this gateway could not reach, until its grace ends (CHAT_RESUME_GRACE_MS,
 * 30 s). 45 s covers both with room for a loaded machine, and stays under
 * the server's name timeout (CHAT_NAME_TIMEOUT_MS, 60 s), so one socket can
 * wait it out. Then the name prompt, as before.
 */
export const NAME_WAIT_MS = 45_000;
/** Tries of the name back off from this… */
export const NAME_RETRY_BASE_MS = 500;
/** …to at most this, so a name freed is taken back within seconds. */
export const NAME_RETRY_MAX_MS = 2000;

export type Phase = 'name' | 'joining' | 'chat';

type SessionVerb = 'ext-session' | 'ext-resumed' | 'ext-resume-failed' | 'ext-session-moved' | 'ext-label-ack';

export type NameError =
  | { reason: 'invalid' }
  | { reason: 'taken'; name: string; rejoin: boolean }
  | { reason: 'timeout' }
  /** My session went on in another tab, which holds the name. */
  | { reason: 'moved'; name: string };

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
  /** The most bytes a line I type may have: the server's limit, less what a label adds when lines are labelled. */
  maxLine = $state.raw(DEFAULT_MAX_LINE);
  /** Rejoining after a failed resume, and my name is still held: the page tries it again for a while (NAME_WAIT_MS). */
  nameWait = $state.raw(false);

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
  /** My public lines sent with ids on and not acknowledged yet (`+ack`), in order (labels off only). */
  private unacked: (Pending & { from: string; text: string })[] = [];
  /** This socket's features (`+ext`). */
  private labels = false;
  private resumeOn = false;
  /** My session (`resume`): kept through drops and reloads until it ends. */
  private session: Saved | null = null;
  /** The count as last stored. */
  private savedCount = -1;
  /** Lines received on this socket count for the session (after `+session` or `+resumed`). */
  private counting = false;
  /** Lines of a resume's replay still to come: my unconfirmed lines go out after them. */
  private replayLeft = 0;
  /** A session ended without a resume: the rejoin says private lines may be lost. */
  private lostSession = false;
  /** My session moved to another tab: a taken name is that tab's. */
  private moved = false;
  /** The server's line limit (CHAT_MAX_LINE), as a "too long" answer taught it. */
  private serverMax = DEFAULT_MAX_LINE;
  /** `/users` answers asked for the online list only (a resume after a reload), not shown. */
  private quietUsers = 0;
  /** Until when a taken name is tried again (after a failed resume), or null. */
  private nameWaitUntil: number | null = null;
  private nameTries = 0;
  private nameTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly link: RoomLink,
    private readonly now: () => number = Date.now,
    private readonly store = new SessionStore(null),
  ) {
    this.log = new MessageLog(now);
  }

  /**
   * The node a socket should reach first: the one my session token names
   * (a cluster node's), so that a resume finds its session. Null without
   * a session or a tag: any node will do.
   */
  get node(): string | null {
    return this.session ? tokenNode(this.session.token) : null;
  }

  /**
   * The page (re)loaded: lines not confirmed before come back as waiting,
   * and a session kept by this tab resumes at once. `name` is who typed
   * them when there is no session (the last name used).
   */
  restore(name: string): void {
    const saved = this.store.load();
    const from = saved?.name ?? name;
    for (const p of this.store.loadPending()) {
      const line = parseClientLine(p.line);
      const id =
        line.type === 'public' || line.type === 'private'
          ? this.log.add({
              kind: 'msg',
              from,
              text: line.text,
              own: true,
              peer: line.type === 'private' ? line.to : null,
              mention: false,
              state: 'pending',
              bytes: utf8Length(p.line),
            }).id
          : 0;
      this.outbox.add(id, p.line, p.label);
    }
    this.pendingCount = this.outbox.size;
    if (saved) {
      this.session = saved;
      this.me = saved.name;
      this.phase = 'joining';
      this.link.connect();
    }
  }

  /** Stores the session's count now (the page is hidden or unloading). */
  persist(): void {
    if (this.session && this.session.count !== this.savedCount) {
      this.savedCount = this.session.count;
      this.store.save(this.session);
    }
  }

  get items() {
    return this.log.items;
  }

  get users() {
    return this.roster.users;
  }

  /** The name prompt's submit: joins on the socket waiting for a name, or connects. */
  chooseName(raw: string): void {
    this.stopNameWait(); // a name typed by the user gets the server's answer as it is
    this.me = normalizeName(raw);
    this.nameError = null;
    this.phase = 'joining';
    if (!this.link.send(this.me)) this.link.connect();
  }

  /** The user edits the name: the server's last answer no longer applies. */
  editingName(): void {
    this.nameError = null;
  }

  /**
   * A socket opened: the first frames ask for extensions, then give the name
   * (unless the user is still choosing one). With a session, the answer to
   * `/ext` decides: `/resume` if resuming is on, else the name.
   */
  opened(): void {
    this.joined = false;
    this.ids = this.labels = this.resumeOn = false;
    this.counting = false;
    this.replayLeft = 0;
    // "Full" was about the last socket; this one will say so again if it still is.
    if (this.farewell === 'full') this.farewell = null;
    this.outbox.unsend(); // nothing is confirmed on a new socket but by its own `+ack`s
    this.askingExt = this.link.send(extLine(ALL_EXT_FEATURES));
    if (this.phase !== 'name' && this.me && !this.session) this.link.send(this.me);
  }

  /** The socket closed; returns whether to reconnect. */
  closed(): boolean {
    const wasJoined = this.joined;
    this.joined = false;
    this.counting = false;
    // The next socket tries the name itself, as it opens (the wait's deadline stays).
    this.clearNameTimer();
    // With a session, a resume's replay brings the rest of an answer being read: it stays open.
    if (!this.session) this.add(this.backfill.abort());
    if (wasJoined) this.log.add({ kind: 'status', status: 'disconnected', name: this.me });
    this.persist();
    return this.phase !== 'name';
  }

  /** Several server lines at once (one list update for all of them). */
  receiveAll(lines: readonly string[]): void {
    this.log.together(() => {
      for (const line of lines) this.receive(line);
    });
    this.persist(); // cheap: one small write per batch, only when the count moved
  }

  receive(line: string): void {
    const replayed = this.replayLeft > 0;
    if (this.counting && countsLine(line)) {
      this.session!.count++;
      if (replayed) this.replayLeft--;
    }
    this.event(line);
    // The replay is over: now what I typed and the server did not confirm goes again.
    if (replayed && this.replayLeft === 0) this.flush();
  }

  /** The lines of `resume` and `labels`. */
  private sessionEvent(event: Extract<ExtEvent, { type: SessionVerb }>): void {
    switch (event.type) {
      case 'ext-session':
        this.session = { token: event.token, count: 0, name: this.me };
        this.counting = true;
        this.savedCount = -1;
        this.persist();
        return;
      case 'ext-resumed': {
        if (!this.session) return;
        const reloaded = this.roster.users.length === 0;
        this.counting = true;
        this.replayLeft = Math.max(0, event.count - this.session.count);
        this.entered(event.name);
        if (reloaded) {
          // A reload: the online list and the recent past are not on the page yet.
          this.quietUsers++;
          this.link.send('/users');
          if (this.ids && !this.backfill.reading) this.readPast();
        }
        // After the recent past when a reload reads it, like a welcome.
        this.show({ kind: 'status', status: 'resumed', name: event.name });
        this.onJoined(event.name);
        this.flush();
        return;
      }
      case 'ext-resume-failed':
        // In a cluster (the token names a node) the name may still be held a while by the session's
        // old node: a taken answer is tried again. On a single server it is someone else's: the prompt.
        this.nameWaitUntil = this.node === null ? null : this.now() + NAME_WAIT_MS;
        this.nameTries = 0;
        this.endSession();
        this.link.send(this.me); // the prompt follows; the name answers it
        return;
      case 'ext-session-moved':
        this.stopNameWait();
        this.session = null;
        this.store.save(null);
        this.moved = true;
        this.log.add({ kind: 'status', status: 'moved', name: this.me });
        return; // the server closes; the page comes back with its name, not the token
      case 'ext-label-ack': {
        const p = this.outbox.confirm(event.label);
        if (!p) return; // a repeat: confirmed already
        this.outboxChanged();
        // Sent again after a rejoin, stored before the drop: the history's copy is in the list, in its place.
        if (event.id !== null && event.id <= this.backfill.cursor && !this.backfill.reading) {
          if (p.id) this.log.remove(p.id);
          return;
        }
        if (p.id) this.log.confirm(p.id);
        if (event.id !== null) this.show(undefined, event.id);
        return;
      }
    }
  }

  /** The session is over without a resume (unknown, expired, resuming off): the next join is a plain one. */
  private endSession(): void {
    if (!this.session) return;
    this.session = null;
    this.store.save(null);
    this.lostSession = true;
    this.add(this.backfill.abort());
  }

  /** In the chat as `name` (a welcome, or a resume). */
  private entered(name: string): void {
    this.me = name;
    if (this.session) this.session.name = name;
    this.joined = true;
    this.phase = 'chat';
    this.nameError = null;
    this.farewell = null;
    this.askingExt = false;
    this.moved = false;
    this.stopNameWait();
    this.link.resetBackoff();
  }

  /**
   * My own rejoin after a failed resume met my name in use: unless the wait
   * is over, the page asks again a little later (the prompt the server sends
   * after the answer takes it) and says it is waiting. Returns whether it will.
   */
  private retryName(): boolean {
    if (this.nameWaitUntil === null || this.moved) return false;
    const left = this.nameWaitUntil - this.now();
    if (left <= 0) {
      this.stopNameWait();
      return false;
    }
    this.nameWait = true;
    this.clearNameTimer();
    const delay = Math.min(left, backoffDelay(this.nameTries++, Math.random, NAME_RETRY_BASE_MS, NAME_RETRY_MAX_MS));
    this.nameTimer = setTimeout(() => {
      this.nameTimer = null;
      this.link.send(this.me);
    }, delay);
    return true;
  }

  private clearNameTimer(): void {
    if (this.nameTimer !== null) clearTimeout(this.nameTimer);
    this.nameTimer = null;
  }

  private stopNameWait(): void {
    this.clearNameTimer();
    this.nameWaitUntil = null;
    this.nameWait = false;
  }

  /** Asks for the recent past or what was missed; what arrives meanwhile waits, and so do my lines. */
  private readPast(): void {
    this.link.send(this.backfill.start());
    this.pastShown = false;
    if (this.backfill.reading === 'last') this.show({ kind: 'history', mark: 'earlier' });
  }

  private event(line: string): void {
    const event = parseServerLine(line);
    switch (event.type) {
      case 'prompt':
        this.farewell = null; // the server is back and talking
        return; // the name is sent unasked, right after `/ext`
      case 'ext-features':
        this.askingExt = false;
        this.ids = event.features.includes('ids');
        this.labels = event.features.includes('labels');
        this.resumeOn = event.features.includes('resume');
        this.limits();
        if (this.session && this.phase !== 'name') this.resumeOrJoin();
        return;
      // In the chat phase the name was sent by the page itself, rejoining after a drop.
      case 'name-error':
        // A server without extensions takes `/ext …` for a bad name: then there are none.
        if (this.askingExt && event.reason === 'invalid') {
          this.askingExt = false;
          if (this.session && this.phase !== 'name') this.resumeOrJoin();
          return;
        }
        if (event.reason === 'taken' && this.retryName()) return;
        this.nameError =
          event.reason === 'invalid'
            ? { reason: 'invalid' }
            : this.moved
              ? { reason: 'moved', name: event.name }
              : { reason: 'taken', name: event.name, rejoin: this.phase === 'chat' || this.lostSession };
        this.phase = 'name';
        return;
      case 'welcome': {
        const again = this.phase === 'chat' || this.lostSession;
        this.lostSession = false;
        this.entered(event.name);
        this.persist();
        this.roster.set(event.users);
        if (this.ids) {
          // The past first: what arrives meanwhile waits (held by the backfill), and so do my lines.
          this.readPast();
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
        if (this.quietUsers > 0) this.quietUsers--;
        else this.show({ kind: 'users', users: event.users });
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
      // A `/resume` the server found malformed: as good as unknown (the prompt follows).
      case 'ext-usage':
        if (event.command === 'resume') this.sessionEvent({ type: 'ext-resume-failed', reason: 'usage' });
        // Never asked with bad arguments; should it come, the page stops waiting for an answer.
        else this.caughtUp();
        return;
      case 'ext-session':
      case 'ext-resumed':
      case 'ext-resume-failed':
      case 'ext-session-moved':
      case 'ext-label-ack':
        this.sessionEvent(event);
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
            this.stopNameWait();
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
            this.serverMax = notice.max;
            this.limits();
            if (this.log.fail((m) => m.bytes! + this.overhead() > notice.max, notice)) return;
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
    // Lines wait behind older waiting ones so that nothing is reordered, and behind the history being read.
    const chat = line.type === 'public' || line.type === 'private';
    const direct = this.joined && !this.backfill.reading && this.replayLeft === 0 && this.outbox.waiting === 0;
    let id = 0;
    if (chat) {
      id = this.log.add({
        kind: 'msg',
        from: this.me,
        text: line.text,
        own: true,
        peer: line.type === 'private' ? line.to : null,
        mention: false,
        state: direct ? (this.labels ? 'sending' : 'sent') : 'pending',
        bytes,
      }).id;
    }
    // Every chat line gets its label now: kept across resends, and across a reload.
    this.outbox.add(id, text, chat ? newLabel() : undefined);
    if (direct) {
      if (this.outbox.flush((l) => this.link.send(l), this.labels).length === 0) {
        if (id) this.log.setState([id], 'pending');
      } else if (line.type === 'public' && !this.labels) {
        this.expectAck({ id, line: text }, line.text);
      }
    }
    this.outboxChanged();
    return true;
  }

  /** Leaves on purpose (/quit): back to the name prompt, no reconnect; the session ends with it. */
  leave(): void {
    this.stopNameWait();
    this.phase = 'name';
    this.joined = false;
    this.session = null;
    this.store.save(null);
    this.add(this.backfill.abort());
    this.link.close();
  }

  /** My public line went out: with ids on, its `+ack` will come (or, after a drop, its copy in the history). */
  private expectAck(sent: Pending, text: string): void {
    if (this.ids) this.unacked.push({ ...sent, from: this.me, text });
  }

  /** With a session, once `/ext` is answered: resume it, or (resuming off) join with the name. */
  private resumeOrJoin(): void {
    if (this.resumeOn) {
      this.link.send(resumeLine(this.session!.token, this.session!.count));
      return;
    }
    this.endSession();
    this.link.send(this.me);
  }

  private overhead(): number {
    return this.labels ? LABEL_OVERHEAD : 0;
  }

  private limits(): void {
    this.maxLine = this.serverMax - this.overhead();
  }

  /** What waits changed: the count shown, and what a reload brings back. */
  private outboxChanged(): void {
    this.pendingCount = this.outbox.size;
    this.store.savePending(this.outbox.lines());
  }

  /**
   * Sends what waits, once joined, caught up and replayed; each line sent
   * takes its place at the end of the list (labelled ones stay "sending"
   * until confirmed).
   */
  private flush(): void {
    if (!this.joined || this.backfill.reading || this.replayLeft > 0) return;
    const sent = this.outbox.flush((line) => this.link.send(line), this.labels);
    if (sent.length === 0) return;
    const moved = this.log.sent(
      sent.map((p) => p.id).filter((id) => id > 0),
      this.labels ? 'sending' : 'sent',
    );
    for (const p of sent) {
      const m = moved.get(p.id);
      if (!m) continue;
      if (this.labels && p.label !== undefined) this.outbox.move(p.label, m.id);
      else if (m.peer === null) this.expectAck({ id: m.id, line: p.line }, m.text);
    }
    this.outboxChanged();
  }
}
