/**
 * The chat room: names, joins and leaves, public and private lines.
 * Lines come in through Connection (already framed and paced) and go out
 * formatted by protocol.ts, encoded once per message whatever the audience.
 */
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { DEFAULT_CONFIG, type ServerConfig } from './config.ts';
import { Connection, type ConnectionHandler } from './connection.ts';
import { WriteBatcher } from './write-batcher.ts';
import { BroadcastLog } from './broadcast-log.ts';
import { closeGracefully } from './closing.ts';
import type { Frame } from './line-framer.ts';
import {
  type ServerEvent,
  compareNames,
  formatEvent,
  isValidName,
  nameKey,
  normalizeName,
  parseClientLine,
  sanitize,
} from '../protocol/index.ts';

export interface ChatServerOptions extends Partial<ServerConfig> {
  /** Where console lines go (joins, leaves); silent by default. */
  log?: (line: string) => void;
}

/** TCP keep-alive probes start after this much silence. */
const KEEPALIVE_DELAY_MS = 60_000;

export class ChatServer implements ConnectionHandler {
  readonly config: ServerConfig;
  private readonly log: (line: string) => void;
  private readonly server: net.Server;
  /** The room's lines, kept once for every member. */
  private readonly roomLog = new BroadcastLog();
  private readonly batcher = new WriteBatcher({
    members: () => this.members.values(),
    afterPass: () => this.trimLog(),
  });
  /** Connections the server is not done with: what CHAT_MAX_CLIENTS counts. */
  private readonly connections = new Set<Connection>();
  /** Every socket not closed yet, those being closed included. */
  private readonly sockets = new Set<net.Socket>();
  /** Joined users by nameKey. */
  private readonly members = new Map<string, Connection>();
  /** Joined names, kept sorted so a welcome costs no sort. */
  private readonly sortedNames: string[] = [];
  private readonly nameTimers = new Map<Connection, NodeJS.Timeout>();
  private shuttingDown = false;

  constructor(options: ChatServerOptions = {}) {
    const { log, ...config } = options;
    this.config = { ...DEFAULT_CONFIG, ...stripUndefined(config) };
    this.log = log ?? (() => {});
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

  /** Sockets not closed yet: the open connections and those being closed. */
  get socketCount(): number {
    return this.sockets.size;
  }

  /** Tells every client the server is going away, closes them all, stops listening. */
  async close(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.server.close();
    // Not events.once: it would reject on the 'error' a reset socket emits.
    const closed = [...this.sockets].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
    const bye = encode({ type: 'notice', notice: 'shutdown' });
    // Each one is closed within CHAT_CLOSE_GRACE_MS (closing.ts).
    for (const conn of [...this.connections]) {
      conn.send(bye);
      conn.end();
    }
    await Promise.all(closed);
  }

  private onConnection = (socket: net.Socket): void => {
    if (this.shuttingDown) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    if (this.connections.size >= this.config.maxClients) {
      socket.write(SERVER_FULL);
      closeGracefully(socket, this.config.closeGraceMs);
      return;
    }
    const conn = new Connection(socket, this.config, this.batcher, this.roomLog, this);
    this.connections.add(conn);
    this.nameTimers.set(
      conn,
      setTimeout(() => {
        this.nameTimers.delete(conn);
        conn.send(encode({ type: 'notice', notice: 'name-timeout' }));
        conn.end();
      }, this.config.nameTimeoutMs),
    );
    conn.reply(PROMPT);
  };

  onFrame(conn: Connection, frame: Frame): void {
    if (frame.type === 'too-long') {
      conn.send(encode({ type: 'notice', notice: 'too-long', max: this.config.maxLine }));
      if (conn.name === null) conn.send(PROMPT);
      return;
    }
    const text = sanitize(frame.text);
    if (conn.name === null) this.onNameLine(conn, text);
    else this.onChatLine(conn, text);
  }

  onEnd(conn: Connection): void {
    conn.end();
  }

  /** Ended, cut off or gone: the place it took is free at once, and a member leaves. */
  onDone(conn: Connection): void {
    this.connections.delete(conn);
    const timer = this.nameTimers.get(conn);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.nameTimers.delete(conn);
    }
    this.leave(conn);
  }

  private onNameLine(conn: Connection, text: string): void {
    if (text.trim().toLowerCase() === '/quit') {
      conn.end();
      return;
    }
    const name = normalizeName(text);
    if (!isValidName(name)) {
      conn.send(encode({ type: 'name-error', reason: 'invalid' }));
      conn.send(PROMPT);
      return;
    }
    const key = nameKey(name);
    if (this.members.has(key)) {
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
    this.sortedNames.splice(insertionIndex(this.sortedNames, name), 0, name);
    conn.send(encode({ type: 'welcome', name, users: this.sortedNames }));
    this.broadcast(encode({ type: 'join', name }), conn);
    conn.subscribe();
    this.log(`${name} entrou no chat!`);
  }

  /** A joined user leaves, once, whatever the cause. */
  private leave(conn: Connection): void {
    const { name, key } = conn;
    if (name === null || key === null || this.members.get(key) !== conn) return;
    this.members.delete(key);
    const i = this.sortedNames.indexOf(name);
    if (i !== -1) this.sortedNames.splice(i, 1);
    if (this.shuttingDown) return;
    this.broadcast(encode({ type: 'leave', name }), conn);
    this.log(`${name} desconectado.`);
  }

  private onChatLine(conn: Connection, text: string): void {
    const from = conn.name!;
    const line = parseClientLine(text);
    switch (line.type) {
      case 'empty':
        return;
      case 'public':
        this.broadcast(encode({ type: 'public', from, text: line.text }), conn);
        return;
      case 'private': {
        const to = this.members.get(nameKey(line.to.normalize('NFC')));
        if (to === undefined) conn.send(encode({ type: 'notice', notice: 'not-found', name: line.to }));
        else to.send(encode({ type: 'private', from, text: line.text }));
        return;
      }
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
    }
  }

  /** The same bytes to every joined user but one: once into the log, whatever the audience. */
  private broadcast(bytes: Buffer, except: Connection): void {
    const start = this.roomLog.append(bytes);
    except.sentToRoom(start, this.roomLog.end);
    this.batcher.roomLine();
  }

  /** Every member has read the log up to the lowest cursor: what is before it can go. */
  private trimLog(): void {
    let lowest = this.roomLog.end;
    for (const conn of this.members.values()) {
      const cursor = conn.logCursor;
      if (cursor !== null && cursor < lowest) lowest = cursor;
    }
    this.roomLog.trim(lowest);
  }
}

function encode(event: ServerEvent): Buffer {
  return Buffer.from(formatEvent(event) + '\n');
}

const PROMPT = encode({ type: 'prompt' });
const SERVER_FULL = encode({ type: 'notice', notice: 'server-full' });

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
