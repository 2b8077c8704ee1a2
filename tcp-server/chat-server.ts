/**
 * The chat room: names, joins and leaves, public and private lines, history.
 * Lines come in through Connection (already framed and paced) and go out
 * formatted by the protocol module, encoded once per message and audience:
 * plain clients get `name: text`, clients that opted in to ids (`/ext ids`)
 * get `+msg <id> <time> name: text`. Each audience has its own room log
 * (BroadcastLog), so a line to the room costs one copy per audience, not
 * one per member, and what a member is behind is counted in its own form.
 */
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { DEFAULT_CONFIG, type ServerConfig } from './config.ts';
import { Connection, type ConnectionHandler, type DoneHow } from './connection.ts';
import { WriteBatcher } from './write-batcher.ts';
import { BroadcastLog } from './broadcast-log.ts';
import { closeGracefully } from './closing.ts';
import type { Frame } from './line-framer.ts';
import {
  NameRegistry,
  type ClientLine,
  type ServerEvent,
  compareNames,
  formatEvent,
  nameKey,
  nameProblem,
  normalizeName,
  parseClientLine,
  sanitize,
} from '../protocol/index.ts';
import { type ExtFeature, type LabelLine, isReservedName, parseExtCommand, parseLabelLine, parsePromptLine } from '../protocol/index.ts';
import type { Member } from './member.ts';
import { DetachedMember } from './session/detached-member.ts';
import { type Session, SessionRegistry } from './session/session-registry.ts';
import type { HistoryStore, LabelRecord } from './history/history-store.ts';
import { MEMORY_DB, openHistoryStore } from './history/open-history.ts';
import { historyAnswer, lastAnswer, sinceAnswer } from './history/history-answers.ts';
import { ServerCounters } from './metrics/server-counters.ts';

export interface ChatServerOptions extends Partial<ServerConfig> {
  /** Where console lines go (joins, leaves); silent by default. */
  log?: (line: string) => void;
  /**
   * Where public lines are kept. main.ts opens the one the settings name;
   * without one, the server keeps history in memory (CHAT_HISTORY and
   * CHAT_HISTORY_MAX still apply). The server closes it when it closes.
   */
  history?: HistoryStore;
}

/** TCP keep-alive probes start after this much silence. */
const KEEPALIVE_DELAY_MS = 60_000;

export class ChatServer implements ConnectionHandler {
  readonly config: ServerConfig;
  private readonly log: (line: string) => void;
  private readonly server: net.Server;
  /** The room's lines for plain clients, kept once for all of them. */
  private readonly plainLog = new BroadcastLog();
  /** The room's lines for clients that opted in to ids (public lines as `+msg`), kept once for all of them. */
  private readonly idsLog = new BroadcastLog();
  /** Members reading idsLog; the others read plainLog. */
  private idsMembers = 0;
  private readonly batcher = new WriteBatcher(
    {
      members: () => this.members.values(),
      afterPass: () => this.trimLogs(),
    },
    // Every socket write waits for the history commit of the lines appended
    // so far: nothing delivered is forgotten.
    () => this.history.commit(),
  );
  private readonly history: HistoryStore;
  /** Connections the server is not done with: what CHAT_MAX_CLIENTS counts. */
  private readonly connections = new Set<Connection>();
  /** Every socket not closed yet, those being closed included. */
  private readonly sockets = new Set<net.Socket>();
  /** Joined users by nameKey: connections, and stand-ins for sessions waiting for a resume. */
  private readonly members = new Map<string, Member>();
  /** The same users by name identity: look-alike names are one name. */
  private readonly identities = new NameRegistry<Member>();
  /** Resumable sessions (feature `resume`). */
  private readonly sessions: SessionRegistry<Member>;
  /** Joined names, kept sorted so a welcome costs no sort. */
  private readonly sortedNames: string[] = [];
  private readonly nameTimers = new Map<Connection, NodeJS.Timeout>();
  private shuttingDown = false;
  /** Forgets what connected sessions surely received (SessionRegistry.forgetDelivered). */
  private readonly sessionSweep: NodeJS.Timeout | null;
  /** Read by the metrics when scraped (tcp-server/metrics/). */
  readonly counters = new ServerCounters();

  constructor(options: ChatServerOptions = {}) {
    const { log, history, ...config } = options;
    this.config = { ...DEFAULT_CONFIG, ...stripUndefined(config) };
    this.log = log ?? (() => {});
    this.history = history ?? openHistoryStore({ ...this.config, db: MEMORY_DB }, this.log);
    this.sessions = new SessionRegistry({ graceMs: this.config.resumeGraceMs, bufferBytes: this.config.resumeBufferBytes });
    const grace = this.config.resumeGraceMs;
    this.sessionSweep = grace > 0 ? setInterval(() => this.sessions.forgetDelivered(), Math.min(grace, 5000)).unref() : null;
    this.server = net.createServer(
      {
        allowHalfOpen: true, // read a client's last lines after it stops sending
        noDelay: true,
        keepAlive: true,
        keepAliveInitialDelay: KEEPALIVE_DELAY_MS,
      },
      this.onConnection,
    );
  }

  async listen(): Promise<AddressInfo> {
    this.server.listen({ host: this.config.host, port: this.config.port, backlog: 4096 });
    await once(this.server, 'listening');
    return this.address;
  }

  get address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** Open connections, named or not (what CHAT_MAX_CLIENTS counts). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Resumable sessions alive, with a connection or waiting for one. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Sockets not closed yet: the open connections and those being closed. */
  get socketCount(): number {
    return this.sockets.size;
  }

  /** Tells every client the server is going away, closes them all, stops listening. */
  async close(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.server.close();
    // Nobody comes back to a server that is going away.
    if (this.sessionSweep !== null) clearInterval(this.sessionSweep);
    this.sessions.endAll();
    // Not events.once: it would reject on the 'error' a reset socket emits.
    const closed = [...this.sockets].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
    const bye = encode({ type: 'notice', notice: 'shutdown' });
    // Each one is closed within CHAT_CLOSE_GRACE_MS (closing.ts).
    for (const conn of [...this.connections]) {
      conn.send(bye);
      conn.end();
    }
    await Promise.all(closed);
    // Every socket is gone: nothing more can be written, so nothing more is appended.
    this.history.close();
  }

  private onConnection = (socket: net.Socket): void => {
    if (this.shuttingDown) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    this.counters.connectionsOpened++;
    socket.once('close', () => this.sockets.delete(socket));
    if (this.connections.size >= this.config.maxClients) {
      this.counters.refusals.server_full++;
      socket.write(SERVER_FULL);
      closeGracefully(socket, this.config.closeGraceMs);
      return;
    }
    const conn = new Connection(socket, this.config, this.batcher, this);
    this.connections.add(conn);
    this.nameTimers.set(
      conn,
      setTimeout(() => {
        this.nameTimers.delete(conn);
        conn.send(encode({ type: 'notice', notice: 'name-timeout' }));
        this.counters.cutoffs.name_timeout++;
        conn.end();
      }, this.config.nameTimeoutMs),
    );
    conn.reply(PROMPT);
  };

  onFrame(conn: Connection, frame: Frame): void {
    this.counters.linesReceived++;
    if (frame.type === 'too-long') {
      this.counters.refusals.line_too_long++;
      conn.send(encode({ type: 'notice', notice: 'too-long', max: this.config.maxLine }));
      if (conn.name === null) conn.send(PROMPT);
      else if (conn.labels) {
        // A labelled line is confirmed whatever happened to it, so it is not sent again.
        const label = LABELLED_HEAD_RE.exec(frame.head)?.[1];
        if (label !== undefined) this.confirmLabel(conn, label, () => null);
      }
      return;
    }
    const text = sanitize(frame.text);
    if (conn.name === null) this.onNameLine(conn, text);
    else this.onChatLine(conn, text);
  }

  onEnd(conn: Connection): void {
    // A client holding a session that closes its side (a gateway whose
    // browser went away) has dropped, not quit: only `/quit` ends a session.
    const session = conn.session;
    if (session !== null && !this.shuttingDown) this.detach(conn, session, true);
    conn.end();
  }

  /** Ended, cut off or gone: the place it took is free at once, and a member leaves (or waits for a resume). */
  onDone(conn: Connection, how: DoneHow): void {
    this.connections.delete(conn);
    const timer = this.nameTimers.get(conn);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.nameTimers.delete(conn);
    }
    const session = conn.session;
    if (session !== null) {
      if (how === 'gone' && !this.shuttingDown) {
        this.detach(conn, session, true);
        return;
      }
      conn.session = null;
      conn.stopRecording();
      this.sessions.end(session);
    }
    this.leave(conn);
  }

  private onNameLine(conn: Connection, text: string): void {
    const prompt = parsePromptLine(text);
    if (prompt.type === 'ext') {
      this.onExt(conn, prompt.features);
      return;
    }
    // Without `resume` on, `/resume …` is a name attempt like any `/` line (invalid).
    if (conn.resume && prompt.type === 'resume') {
      this.onResume(conn, prompt.token, prompt.count);
      return;
    }
    if (conn.resume && prompt.type === 'resume-usage') {
      conn.send(RESUME_USAGE);
      conn.send(PROMPT);
      return;
    }
    if (text.trim().toLowerCase() === '/quit') {
      conn.end();
      return;
    }
    const name = normalizeName(text);
    const problem = nameProblem(name);
    if (problem !== null) {
      this.counters.refusals.name_invalid++;
      conn.send(encode({ type: 'name-error', reason: 'invalid', detail: problem }));
      conn.send(PROMPT);
      return;
    }
    const key = nameKey(name);
    if (this.identities.find(name) !== undefined || isReservedName(name)) {
      this.counters.refusals.name_taken++;
      conn.send(encode({ type: 'name-error', reason: 'taken', name }));
      conn.send(PROMPT);
      return;
    }
    this.join(conn, name, key);
  }

  private join(conn: Connection, name: string, key: string): void {
    const timer = this.nameTimers.get(conn);
    if (timer !== undefined) clearTimeout(timer);
    this.nameTimers.delete(conn);
    conn.name = name;
    conn.key = key;
    this.members.set(key, conn);
    this.counters.members++;
    if (conn.ids) this.idsMembers++;
    this.identities.add(name, conn);
    this.sortedNames.splice(insertionIndex(this.sortedNames, name), 0, name);
    if (conn.resume) {
      // The session's token comes first; the count starts after it.
      const session = this.sessions.open({ name, key, ids: conn.ids, labels: conn.labels }, conn);
      conn.session = session;
      conn.send(encode({ type: 'ext-session', token: session.token }));
      conn.startRecording(session.replay);
      // Counted, not kept: a client that drops before its welcome rejoins (gap) (replay-buffer.ts says why).
      session.replay.skipNext(1);
    }
    conn.send(encode({ type: 'welcome', name, users: this.sortedNames }));
    this.counters.roomDeliveries += this.members.size - 1;
    this.broadcast(encode({ type: 'join', name }), conn);
    // After its own join line: the room's lines from now on, in its audience's form.
    conn.subscribe(conn.ids ? this.idsLog : this.plainLog);
    this.log(`${name} entrou no chat!`);
  }

  /** A joined user leaves, once, whatever the cause. */
  private leave(conn: Member): void {
    const { name, key } = conn;
    if (name === null || key === null || this.members.get(key) !== conn) return;
    this.members.delete(key);
    this.counters.members--;
    if (conn.ids) this.idsMembers--;
    this.identities.delete(name, conn);
    const i = this.sortedNames.indexOf(name);
    if (i !== -1) this.sortedNames.splice(i, 1);
    if (this.shuttingDown) return;
    this.broadcast(encode({ type: 'leave', name }), conn);
    this.counters.roomDeliveries += this.members.size;
    this.log(`${name} desconectado.`);
  }

  private onChatLine(conn: Connection, text: string): void {
    const from = conn.name!;
    if (conn.labels) {
      const labelled = parseLabelLine(text);
      if (labelled !== null) {
        this.onLabelled(conn, labelled);
        return;
      }
    }
    const line = (conn.ids ? parseExtCommand(text) : null) ?? parseClientLine(text);
    switch (line.type) {
      case 'empty':
        return;
      case 'public':
        this.broadcastPublic(conn, from, line.text, true);
        return;
      case 'private':
        this.sendPrivate(conn, from, line.to, line.text);
        return;
      case 'private-empty':
        conn.send(encode({ type: 'notice', notice: 'private-empty' }));
        return;
      case 'users':
        conn.send(encode({ type: 'users', users: this.sortedNames }));
        return;
      case 'quit':
        conn.end(); // the leave is announced by onDone
        return;
      case 'unknown-command':
        conn.send(encode({ type: 'notice', notice: 'unknown-command', command: line.command }));
        return;
      case 'history':
      case 'history-usage':
      case 'since':
      case 'last':
      case 'ext-usage':
        this.onHistoryCommand(conn, line);
        return;
    }
  }

  // --- History (tcp-server/history/, docs/PROTOCOL.md, History) ---------------

  /**
   * A public line: stored (its id known now, committed before any write:
   * the batcher's beforeWrite), then into each audience's log in its form.
   */
  private broadcastPublic(sender: Connection, from: string, text: string, ack: boolean): { id: number; time: number } | null {
    this.counters.publicMessages++;
    this.counters.roomDeliveries += this.members.size - 1;
    const plain = encode({ type: 'public', from, text });
    if (!this.history.enabled) {
      // Nobody has ids without history (onExt): one audience.
      this.broadcast(plain, sender);
      return null;
    }
    const time = Date.now();
    const id = this.history.append({ time, name: from, text });
    if (this.members.size > this.idsMembers) this.appendToRoom(this.plainLog, plain, sender);
    if (this.idsMembers > 0) this.appendToRoom(this.idsLog, encode({ type: 'ext-public', id, time, from, text }), sender);
    this.batcher.roomLine();
    // After the room's lines up to its own: the ack takes the line's place in the sender's stream.
    if (ack && sender.ids) sender.send(encode({ type: 'ext-ack', id, time }));
    return { id, time };
  }

  private sendPrivate(conn: Connection, from: string, to: string, text: string): void {
    const member = this.identities.find(to);
    if (member !== undefined) this.counters.privateMessages++;
    if (member === undefined) conn.send(encode({ type: 'notice', notice: 'not-found', name: to }));
    else member.send(encode({ type: 'private', from, text }));
  }

  private onHistoryCommand(conn: Connection, line: HistoryCommand): void {
    const history = this.history;
    // An answer stays well inside the client's send queue, whatever the line lengths.
    const maxBytes = Math.max(1, Math.floor(this.config.sendQueue / 4));
    switch (line.type) {
      case 'history':
        conn.send(history.enabled ? Buffer.from(historyAnswer(history.recent(line.count))) : HISTORY_OFF);
        return;
      case 'history-usage':
        conn.send(history.enabled ? HISTORY_USAGE : HISTORY_OFF);
        return;
      case 'since': {
        const page = this.config.historyPage;
        conn.send(Buffer.from(sinceAnswer(history.since(line.after, page + 1), page, maxBytes)));
        return;
      }
      case 'last':
        conn.send(Buffer.from(lastAnswer(history.recent(line.count), maxBytes)));
        return;
      case 'ext-usage':
        conn.send(encode({ type: 'ext-usage', command: line.command }));
        return;
    }
  }

  /** `/ext …` at the name prompt: turns on the features this server has, and says which. */
  private onExt(conn: Connection, asked: readonly string[]): void {
    if (asked.includes('ids' satisfies ExtFeature) && this.history.enabled) conn.ids = true;
    if (asked.includes('resume' satisfies ExtFeature) && this.sessions.enabled) conn.resume = true;
    if (asked.includes('labels' satisfies ExtFeature)) conn.labels = true;
    const on: ExtFeature[] = [];
    if (conn.ids) on.push('ids');
    if (conn.resume) on.push('resume');
    if (conn.labels) on.push('labels');
    conn.send(encode({ type: 'ext-features', features: on }));
  }

  // --- Labels (docs/PROTOCOL.md, Labels) ----------------------------------------

  /** `/label <label> <text>`: handled once per label, confirmed every time. */
  private onLabelled(conn: Connection, labelled: LabelLine): void {
    if (labelled.type === 'label-usage') {
      conn.send(LABEL_USAGE);
      return;
    }
    const from = conn.name!;
    const line = labelled.line;
    this.confirmLabel(conn, labelled.label, () => {
      switch (line.type) {
        case 'public':
          return this.broadcastPublic(conn, from, line.text, false);
        case 'private':
          this.sendPrivate(conn, from, line.to, line.text);
          return null;
        case 'private-empty':
          conn.send(encode({ type: 'notice', notice: 'private-empty' }));
          return null;
      }
    });
  }

  /**
   * A label seen before gets the first answer again and nothing happens;
   * a new one is handled (`handle`: the stored line's id and time, if any),
   * remembered, and acknowledged after whatever handling sent.
   */
  private confirmLabel(conn: Connection, label: string, handle: () => { id: number; time: number } | null): void {
    // The history remembers labels with the turn's lines (on disk when the history is).
    const known = this.history.findLabel(label);
    if (known !== undefined) {
      conn.send(labelAck(known));
      return;
    }
    const stored = handle();
    const record: LabelRecord = { label, id: stored?.id ?? null, time: stored?.time ?? Date.now() };
    this.history.rememberLabel(record);
    conn.send(labelAck(record));
  }

  // --- Sessions (tcp-server/session/, docs/PROTOCOL.md, Session resume) --------

  /**
   * A session's connection is gone (or is being taken over): a stand-in
   * keeps its place in the room and gathers its lines; with `grace`, the
   * session ends after CHAT_RESUME_GRACE_MS unless a connection resumes it.
   */
  private detach(conn: Connection, session: Session<Member>, grace: boolean): void {
    conn.session = null;
    session.replay.hold();
    const place = conn.surrender();
    if (place === null || session.holder !== conn) {
      this.sessions.end(session);
      this.leave(conn);
      return;
    }
    const stand = new DetachedMember(session.name, session.key, session.ids, place, session.replay, () => this.endSession(session));
    this.replaceMember(conn, stand);
    session.holder = stand;
    if (grace) this.sessions.startGrace(session, () => this.endSession(session));
    stand.flush(); // what was pending may be over the budget already
  }

  /** The session is over: its member leaves the room normally. */
  private endSession(session: Session<Member>): void {
    if (!this.sessions.has(session)) return;
    this.sessions.end(session);
    this.leave(session.holder);
  }

  /** `/resume <token> <count>` at the name prompt. */
  private onResume(conn: Connection, token: string, count: number): void {
    const session = this.sessions.find(token);
    if (session === undefined) return this.resumeFailed(conn, 'unknown');
    if (count > session.replay.total) {
      // More than was ever written to it: not a count this session gave.
      conn.send(RESUME_USAGE);
      conn.send(PROMPT);
      return;
    }
    const old = session.holder;
    if (old instanceof Connection) {
      // One connection at a time: the newest wins, the old one is told and closed.
      this.detach(old, session, false);
      old.send(SESSION_MOVED);
      old.end();
    }
    const stand = session.holder;
    if (!(stand instanceof DetachedMember) || !this.sessions.has(session)) return this.resumeFailed(conn, 'unknown');
    const place = stand.takeOver();
    if (!this.sessions.has(session)) return this.resumeFailed(conn, 'unknown'); // overflowed just now
    const lines = session.replay.after(count);
    if (lines === 'gap' || lines === 'ahead') {
      this.endSession(session);
      return this.resumeFailed(conn, 'gap');
    }
    this.sessions.stopGrace(session);
    const timer = this.nameTimers.get(conn);
    if (timer !== undefined) clearTimeout(timer);
    this.nameTimers.delete(conn);
    conn.name = session.name;
    conn.key = session.key;
    conn.ids = session.ids;
    conn.labels = session.labels;
    conn.session = session;
    this.replaceMember(stand, conn);
    session.holder = conn;
    session.replay.release();
    this.counters.resumes.resumed++;
    conn.attachSession(encode({ type: 'ext-resumed', name: session.name, count: session.replay.total }), lines, session.replay, place.log);
  }

  private resumeFailed(conn: Connection, reason: 'unknown' | 'gap'): void {
    this.counters.resumes[reason]++;
    conn.send(encode({ type: 'ext-resume-failed', reason }));
    conn.send(PROMPT);
  }

  /** Another holder takes a member's place under the same name. */
  private replaceMember(old: Member, next: Member): void {
    const { name, key } = old;
    if (name === null || key === null) return;
    this.members.set(key, next);
    this.identities.delete(name, old);
    this.identities.add(name, next);
  }

  /**
   * The same bytes to every joined user but one (joins and leaves read the
   * same in both forms): once into each audience's log that has readers.
   */
  private broadcast(bytes: Buffer, except: Member): void {
    if (this.members.size > this.idsMembers) this.appendToRoom(this.plainLog, bytes, except);
    if (this.idsMembers > 0) this.appendToRoom(this.idsLog, bytes, except);
    this.batcher.roomLine();
  }

  /** Appends a line to one audience's log; `sender` (if it reads that log) does not get it back. */
  private appendToRoom(log: BroadcastLog, bytes: Buffer, sender: Member): void {
    const start = log.append(bytes);
    sender.sentToRoom(log, start, log.end);
  }

  /** Every member has read each log up to the lowest cursor of its readers: what is before it can go. */
  private trimLogs(): void {
    let plainLowest = this.plainLog.end;
    let idsLowest = this.idsLog.end;
    for (const conn of this.members.values()) {
      const cursor = conn.logCursor;
      if (cursor === null) continue;
      if (conn.ids) idsLowest = Math.min(idsLowest, cursor);
      else plainLowest = Math.min(plainLowest, cursor);
    }
    this.plainLog.trim(plainLowest);
    this.idsLog.trim(idsLowest);
  }
}

function encode(event: ServerEvent): Buffer {
  return Buffer.from(formatEvent(event) + '\n');
}

const PROMPT = encode({ type: 'prompt' });
const RESUME_USAGE = encode({ type: 'ext-usage', command: 'resume' });
const LABEL_USAGE = encode({ type: 'ext-usage', command: 'label' });
const SESSION_MOVED = encode({ type: 'ext-session-moved' });
/** The label at the start of a too-long line (LineFramer keeps its head). */
const LABELLED_HEAD_RE = /^\/label ([A-Za-z0-9_-]{1,64}) /iu;

function labelAck(record: LabelRecord): Buffer {
  return encode({ type: 'ext-label-ack', id: record.id, time: record.time, label: record.label });
}
const SERVER_FULL = encode({ type: 'notice', notice: 'server-full' });
type HistoryCommand = Extract<ClientLine, { type: 'history' | 'history-usage' | 'since' | 'last' | 'ext-usage' }>;
const HISTORY_OFF = encode({ type: 'history-notice', notice: 'off' });
const HISTORY_USAGE = encode({ type: 'history-notice', notice: 'usage' });

function insertionIndex(sorted: readonly string[], name: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareNames(sorted[mid]!, name) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
