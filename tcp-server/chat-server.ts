/**
 * The chat room: names, joins and leaves, public and private lines, history.
 * "The rest of the room" is a RoomLink (tcp-server/cluster/): in process for
 * the single server, Redis for a node of a cluster. Names are claimed and
 * released through it, lines are published through it, and what it hands
 * back (onRoomEvent) is what this server delivers to its own connections.
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
  CHAT_BUSY_LINE,
  NAME_LOST_LINE,
  type ClientLine,
  type ServerEvent,
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
import type { ServerMetricsSources } from './metrics/chat-metrics.ts';
import type { HistoryStore, LabelRecord, StoredLine } from './history/history-store.ts';
import { LocalRoomLink } from './cluster/local-room-link.ts';
import type { ClaimResult, RoomEvent, RoomLink } from './cluster/room-link.ts';
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
  /**
   * The rest of the room: main.ts opens the one the settings name (a
   * cluster node with CHAT_REDIS_URL). Without one, the single server's
   * (LocalRoomLink on the history). listen() starts it; close() closes it.
   */
  link?: RoomLink<Member>;
}

/** A name line waiting for the room's answer (a cluster node asks Redis); the connection's next lines wait with it. */
interface PendingClaim {
  readonly name: string;
  readonly key: string;
  /** Frames that came meanwhile, and whether the client finished sending: handled once the claim settles. */
  readonly held: Frame[];
  ended: boolean;
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
  /** This server's joined users by nameKey: connections, and stand-ins for sessions waiting for a resume. */
  private readonly members = new Map<string, Member>();
  /** Names, look-alikes and online lists of the whole room, every node's members included. */
  private readonly link: RoomLink<Member>;
  /**
   * The member the link knows (the connection that claimed the name) for a
   * member that took its place since (a session's stand-in, a resumed
   * connection): the link hands back the claimant, this finds who holds the place now.
   */
  private readonly claimants = new WeakMap<Member, Member>();
  private readonly claims = new Map<Connection, PendingClaim>();
  /** The session a stand-in keeps the place of. */
  private readonly standIns = new WeakMap<Member, Session<Member>>();
  /** Labelled public lines published but not back from the room yet, and who else sent the same label meanwhile. */
  private readonly labelWaiters = new Map<string, Connection[]>();
  /** Resumable sessions (feature `resume`). */
  private readonly sessions: SessionRegistry<Member>;
  private readonly nameTimers = new Map<Connection, NodeJS.Timeout>();
  private shuttingDown = false;
  /** Forgets what connected sessions surely received (SessionRegistry.forgetDelivered). */
  private readonly sessionSweep: NodeJS.Timeout | null;
  /** Read by the metrics when scraped (tcp-server/metrics/). */
  readonly counters = new ServerCounters();

  constructor(options: ChatServerOptions = {}) {
    const { log, history, link, ...config } = options;
    this.config = { ...DEFAULT_CONFIG, ...stripUndefined(config) };
    this.log = log ?? (() => {});
    this.history = history ?? openHistoryStore({ ...this.config, db: MEMORY_DB }, this.log);
    this.link = link ?? new LocalRoomLink<Member>(this.history);
    this.sessions = new SessionRegistry({
      graceMs: this.config.resumeGraceMs,
      bufferBytes: this.config.resumeBufferBytes,
      // A cluster node's tokens name it, so a gateway sends a resume to the node that holds the session.
      tokenTag: this.config.redisUrl !== '' ? this.config.nodeName : '',
    });
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

  /** Joins the room (a cluster node: rejects with a ClusterStartError when Redis cannot be reached), then listens. */
  async listen(): Promise<AddressInfo> {
    await this.link.start(this.onRoomEvent);
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

  /** What this server gives its Prometheus metrics (chat-metrics.ts), each read when scraped. */
  metricsSources(): ServerMetricsSources {
    return {
      counters: this.counters,
      connections: () => this.connectionCount,
      maxConnections: this.config.maxClients,
      sessions: () => this.sessions.stats(),
    };
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
    // A cluster node: what it holds reaches Redis (bounded), then every node sees its remaining members leave.
    await this.link.close();
    // Every socket is gone and the link is closed: nothing more can be written, so nothing more is appended.
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
    const claim = this.claims.get(conn);
    if (claim !== undefined) {
      // Bounded by the flood limit over the claim's round trip (a Redis timeout at worst).
      claim.held.push(frame);
      return;
    }
    // Counted when read for good (a held line comes through here again).
    this.counters.linesReceived++;
    if (frame.type === 'too-long') {
      this.counters.refusals.line_too_long++;
      conn.send(encode({ type: 'notice', notice: 'too-long', max: this.config.maxLine }));
      if (conn.name === null) conn.send(PROMPT);
      else if (conn.labels) {
        // A labelled line is confirmed whatever happened to it, so it is not sent again.
        const label = LABELLED_HEAD_RE.exec(frame.head)?.[1];
        if (label !== undefined && !this.knownLabel(conn, label)) this.confirmNow(conn, label);
      }
      return;
    }
    const text = sanitize(frame.text);
    if (conn.name === null) this.onNameLine(conn, text);
    else this.onChatLine(conn, text);
  }

  onEnd(conn: Connection): void {
    const claim = this.claims.get(conn);
    if (claim !== undefined) {
      claim.ended = true;
      return;
    }
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
    // A claim still out: its answer finds the connection gone and gives the name back (onClaimed).
    this.claims.delete(conn);
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
    if (isReservedName(name)) {
      this.counters.refusals.name_taken++;
      conn.send(encode({ type: 'name-error', reason: 'taken', name }));
      conn.send(PROMPT);
      return;
    }
    // The room decides (look-alikes on every node): the single server at
    // once, a cluster node after a Redis round trip, holding this
    // connection's next lines meanwhile.
    const claim: PendingClaim = { name, key: nameKey(name), held: [], ended: false };
    this.claims.set(conn, claim);
    const answer = this.link.claim(name, conn);
    if (typeof answer === 'string') this.onClaimed(conn, claim, answer);
    else answer.then(
      (result) => this.onClaimed(conn, claim, result),
      () => this.onClaimed(conn, claim, 'unavailable'),
    );
  }

  /** The room answered a name line: joined, or told why not; then the lines that waited are handled. */
  private onClaimed(conn: Connection, claim: PendingClaim, result: ClaimResult): void {
    if (this.claims.get(conn) !== claim) {
      // The connection went away (or the server is stopping) meanwhile: the name goes back.
      if (result === 'ok') this.link.release(claim.name, conn);
      return;
    }
    this.claims.delete(conn);
    if (result === 'ok') this.join(conn, claim.name, claim.key);
    else {
      if (result === 'taken') this.counters.refusals.name_taken++;
      else this.counters.refusals.name_unavailable++;
      conn.send(result === 'taken' ? encode({ type: 'name-error', reason: 'taken', name: claim.name }) : UNAVAILABLE);
      conn.send(PROMPT);
    }
    for (const frame of claim.held) {
      // A held `/quit` (or a cut-off) ended it: what followed is not read, as on a live connection.
      if (!this.connections.has(conn)) return;
      if (this.claims.has(conn)) {
        // A held name line started another claim: the rest waits for it.
        this.claims.get(conn)!.held.push(frame);
        continue;
      }
      this.onFrame(conn, frame);
    }
    if (claim.ended && this.connections.has(conn)) {
      const next = this.claims.get(conn);
      if (next !== undefined) next.ended = true;
      else this.onEnd(conn);
    }
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
    if (conn.resume) {
      // The session's token comes first; the count starts after it.
      const session = this.sessions.open({ name, key, ids: conn.ids, labels: conn.labels }, conn);
      conn.session = session;
      conn.send(encode({ type: 'ext-session', token: session.token }));
      conn.startRecording(session.replay);
      // Counted, not kept: a client that drops before its welcome rejoins (gap) (replay-buffer.ts says why).
      session.replay.skipNext(1);
    }
    conn.send(encode({ type: 'welcome', name, users: this.onlineNames() }));
    this.counters.roomDeliveries += this.members.size - 1;
    this.broadcast(encode({ type: 'join', name }), conn);
    // After its own join line: the room's lines from now on, in its audience's form.
    conn.subscribe(conn.ids ? this.idsLog : this.plainLog);
    this.log(`${name} entrou no chat!`);
  }

  /**
   * A joined user leaves, once, whatever the cause: it gets nothing more,
   * and the room is told (the others hear it when the room hands the leave back).
   */
  private leave(conn: Member): void {
    const { name } = conn;
    if (name === null || !this.dropMember(conn)) return;
    this.link.release(name, this.claimantOf(conn));
  }

  /** Out of this server's members (no more lines); false if it was not one. */
  private dropMember(member: Member): boolean {
    const { key } = member;
    if (key === null || this.members.get(key) !== member) return false;
    this.members.delete(key);
    this.counters.members--;
    if (member.ids) this.idsMembers--;
    return true;
  }

  // --- The room (tcp-server/cluster/room-link.ts) ---------------------------------

  /** What the room hands back, in its order: this server delivers it to its own members. */
  private onRoomEvent = (event: RoomEvent<Member>): void => {
    switch (event.type) {
      case 'join':
        // This server's own member joined when its claim was answered.
        if (event.holder !== undefined) return;
        this.broadcast(encode({ type: 'join', name: event.name }));
        this.counters.roomDeliveries += this.members.size;
        this.log(`${event.name} entrou no chat!`);
        return;
      case 'leave':
        // Nobody hears of leaves while this server stops: its members are being told it is going.
        if (this.shuttingDown) return;
        this.broadcast(encode({ type: 'leave', name: event.name }));
        this.counters.roomDeliveries += this.members.size;
        this.log(`${event.name} desconectado.`);
        return;
      case 'public':
        this.deliverPublic(event.line, event.sender, event.label);
        return;
      case 'private':
        this.current(event.to)?.send(encode({ type: 'private', from: event.from, text: event.text }));
        return;
      case 'lost':
        this.onNameLost(event.holder);
        return;
    }
  };

  /** The member holding `holder`'s place now (itself, or who took its session over), if it is still here. */
  private current(holder: Member): Member | undefined {
    const key = holder.key;
    if (key === null) return undefined;
    const member = this.members.get(key);
    if (member === undefined) return undefined;
    return member === holder || this.claimantOf(member) === this.claimantOf(holder) ? member : undefined;
  }

  /** Every name in the room, sorted (formatting only reads it: no copy). */
  private onlineNames(): string[] {
    return this.link.names as string[];
  }

  private claimantOf(member: Member): Member {
    return this.claimants.get(member) ?? member;
  }

  /**
   * A member of this server lost its name (a cluster's Redis came back
   * without its data and someone took the name first): told, and out. The
   * room announces its leave; it is not released again.
   */
  private onNameLost(holder: Member): void {
    const member = this.current(holder);
    if (member === undefined || !this.dropMember(member)) return;
    this.counters.cutoffs.name_lost++;
    if (member instanceof Connection) {
      const session = member.session;
      member.session = null;
      if (session !== null) this.sessions.end(session);
      member.send(NAME_LOST);
      member.end();
      return;
    }
    const session = this.standIns.get(member);
    if (session !== undefined) this.sessions.end(session);
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
        this.sendPublic(conn, line.text);
        return;
      case 'private':
        this.sendPrivate(conn, from, line.to, line.text);
        return;
      case 'private-empty':
        conn.send(encode({ type: 'notice', notice: 'private-empty' }));
        return;
      case 'users':
        conn.send(encode({ type: 'users', users: this.onlineNames() }));
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
   * A public line goes to the room, which stores it and hands it back with
   * its id (deliverPublic): the single server at once, a cluster node once
   * Redis has it. `label` (issue 13) travels with it.
   */
  private sendPublic(sender: Connection, text: string, label?: string): void {
    // Until the line is back (at once on the single server, after Redis in a
    // cluster), a resend of its label waits for it rather than going out twice.
    if (label !== undefined) this.labelWaiters.set(label, []);
    const result = this.link.publishPublic(sender.name!, text, this.claimantOf(sender), label);
    if (result === 'full') {
      // A cluster node holding too much while Redis is away: nobody gets it, and the sender is told.
      this.counters.refusals.redis_buffer_full++;
      sender.send(CHAT_BUSY);
      if (label !== undefined) {
        this.labelWaiters.delete(label);
        this.confirmNow(sender, label);
      }
    }
  }

  /**
   * A public line the room stored (its id known, committed before any
   * write: the batcher's beforeWrite), into each audience's log in its
   * form; the sender, if it is this server's, gets its ack instead.
   */
  private deliverPublic(line: StoredLine, sender: Member | undefined, label: string | undefined): void {
    const { id, time, name: from, text } = line;
    const member = sender === undefined ? undefined : this.current(sender);
    this.counters.publicMessages++;
    this.counters.roomDeliveries += this.members.size - (member === undefined || member.key === null ? 0 : 1);
    const plain = encode({ type: 'public', from, text });
    let stored: { id: number; time: number } | null = null;
    if (!this.history.enabled) {
      // Nobody has ids without history (onExt): one audience.
      this.broadcast(plain, member);
    } else {
      stored = { id, time };
      if (this.members.size > this.idsMembers) this.appendToRoom(this.plainLog, plain, member);
      if (this.idsMembers > 0) this.appendToRoom(this.idsLog, encode({ type: 'ext-public', id, time, from, text }), member);
      this.batcher.roomLine();
    }
    // After the room's lines up to its own: the ack takes the line's place in the sender's stream.
    if (label === undefined) {
      if (member !== undefined && stored !== null && member.ids) member.send(encode({ type: 'ext-ack', id, time }));
      return;
    }
    // Every node remembers the label with the line: a resend through any of them is recognised.
    const record: LabelRecord = { label, id: stored?.id ?? null, time };
    this.history.rememberLabel(record);
    const ack = labelAck(this.history.findLabel(label) ?? record);
    member?.send(ack);
    const waiters = this.labelWaiters.get(label);
    if (waiters === undefined) return;
    this.labelWaiters.delete(label);
    for (const waiter of waiters) this.current(waiter)?.send(ack);
  }

  private sendPrivate(conn: Connection, from: string, to: string, text: string): void {
    const member = this.link.find(to);
    if (member === undefined) {
      conn.send(encode({ type: 'notice', notice: 'not-found', name: to }));
      return;
    }
    // Handed over by the recipient's node (onRoomEvent), to its connection or its session.
    if (this.link.publishPrivate(from, member, text, this.claimantOf(conn)) === 'full') {
      this.counters.refusals.redis_buffer_full++;
      conn.send(CHAT_BUSY);
    } else {
      this.counters.privateMessages++;
    }
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
    const { label, line } = labelled;
    if (this.knownLabel(conn, label)) return;
    switch (line.type) {
      case 'public':
        // Confirmed when the room hands the line back (deliverPublic).
        this.sendPublic(conn, line.text, label);
        return;
      case 'private':
        this.sendPrivate(conn, conn.name!, line.to, line.text);
        break;
      case 'private-empty':
        conn.send(encode({ type: 'notice', notice: 'private-empty' }));
        break;
    }
    this.confirmNow(conn, label);
  }

  /**
   * A label seen before gets the first answer again and nothing happens
   * (true); one on its way through the room gets it when the line is back.
   * The history remembers labels with the turn's lines (on disk when the history is).
   */
  private knownLabel(conn: Connection, label: string): boolean {
    const known = this.history.findLabel(label);
    if (known !== undefined) {
      conn.send(labelAck(known));
      return true;
    }
    const waiters = this.labelWaiters.get(label);
    if (waiters === undefined) return false;
    waiters.push(conn);
    return true;
  }

  /** A labelled line handled here and now (no history id): remembered and acknowledged after whatever handling sent. */
  private confirmNow(conn: Connection, label: string): void {
    const record: LabelRecord = { label, id: null, time: Date.now() };
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
    this.standIns.set(stand, session);
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
    const { key } = old;
    if (key === null) return;
    this.members.set(key, next);
    this.claimants.set(next, this.claimantOf(old));
  }

  /**
   * The same bytes to every joined user but one (joins and leaves read the
   * same in both forms): once into each audience's log that has readers.
   */
  private broadcast(bytes: Buffer, except?: Member): void {
    if (this.members.size > this.idsMembers) this.appendToRoom(this.plainLog, bytes, except);
    if (this.idsMembers > 0) this.appendToRoom(this.idsLog, bytes, except);
    this.batcher.roomLine();
  }

  /** Appends a line to one audience's log; `sender` (if it reads that log) does not get it back. */
  private appendToRoom(log: BroadcastLog, bytes: Buffer, sender: Member | undefined): void {
    const start = log.append(bytes);
    sender?.sentToRoom(log, start, log.end);
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
const UNAVAILABLE = encode({ type: 'notice', notice: 'unavailable' });
const CHAT_BUSY = Buffer.from(CHAT_BUSY_LINE + '\n');
const NAME_LOST = Buffer.from(NAME_LOST_LINE + '\n');
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

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
