/**
 * One node of a cluster: the room is shared through Redis (redis-scripts.ts
 * for the keys and the atomic steps).
 *
 * - Names: a claim sets every identity key of the name in one script, so of
 *   two nodes racing for a name (or look-alikes) exactly one wins.
 * - Events: every claim, leave, public and private line is an op of this
 *   node, numbered and published in order in batches (one script call per
 *   batch), into one stream. Every node, this one included, reads the stream
 *   through its own consumer group (its read position, kept in Redis) and
 *   hands the events to the chat server: all nodes see one order, each
 *   sender's lines in the order sent, and the history every node stores
 *   from it is the same, with ids from the cluster's one counter. Redis work
 *   per public line: its share of one batch call, plus each node's share of
 *   one read; it does not grow with the number of recipients.
 * - Redis away: ops wait in the outbox (bounded); claims are answered
 *   `unavailable`. The node reconnects, registers again (its names, its
 *   read position) and publishes again everything not yet read by every
 *   node; receivers drop repeats by (node, op number). So nothing is lost or
 *   doubled whether Redis comes back with or without its data.
 * - Liveness: a TTL'd key refreshed by a heartbeat. A node whose key ran out
 *   is removed by whichever node notices first, in one script: its names are
 *   freed and one `gone` entry makes every node let its members leave.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { NameRegistry, nameIdentityKeys } from '../../protocol/index.ts';
import type { HistoryStore, StoredLine } from '../history/history-store.ts';
import { CLUSTER_SETTINGS, redactUrl } from './cluster-config.ts';
import { type Op, type OpBody, type OpResult, Outbox } from './outbox.ts';
import { SCRIPTS, type ScriptName } from './redis-scripts.ts';
import {
  type ClaimResult,
  ClusterStartError,
  type LinkStatus,
  type PublishResult,
  type RoomEvent,
  type RoomLink,
  type RoomMember,
} from './room-link.ts';
import { Roster } from './roster.ts';
import { SeqFilter } from './seq-filter.ts';

export interface RedisRoomLinkOptions {
  /** CHAT_REDIS_URL. */
  url: string;
  /** Where this node keeps the room's public lines (fed from the stream). */
  history: HistoryStore;
  /** Lines kept in Redis for nodes that start later (CHAT_HISTORY_MAX; 0 keeps none). */
  historyMax: number;
  /** CHAT_REDIS_BUFFER_BYTES. */
  bufferBytes: number;
  /** CHAT_NODE_NAME: the node id is this name and a random suffix. */
  nodeName: string;
  heartbeatMs: number;
  nodeTtlMs: number;
  log?: (line: string) => void;
  /** Prefix of every key (several rooms, or tests, on one Redis). */
  prefix?: string;
  /** Most ops in one script call, and about how many bytes (a call is one Redis command). */
  batchOps?: number;
  batchBytes?: number;
  /** Most entries read at once. */
  readCount?: number;
  /**
   * How long the read position of a node removed as dead is kept, so that a
   * node that was only cut off from Redis reads on where it was (default 12 TTLs).
   */
  goneGraceMs?: number;
  /** Longest pause between reconnection attempts. */
  reconnectMaxMs?: number;
  /** How long close() waits for held ops to reach Redis. */
  closeWaitMs?: number;
}

const DEFAULTS = {
  prefix: 'chat:',
  batchOps: 256,
  batchBytes: 256 * 1024,
  readCount: 1000,
  reconnectMaxMs: 500,
  closeWaitMs: 2000,
};

/** How long a read waits for new entries before asking again (any value works; it bounds shutdown). */
const READ_BLOCK_MS = 2000;

type Client = ReturnType<typeof createClient>;
type Reply = unknown;

export class RedisRoomLink<T> implements RoomLink<T> {
  readonly nodeId: string;
  private readonly roster = new Roster<T>();
  private readonly filter: SeqFilter;
  private readonly outbox: Outbox<T>;
  /** Claims sent but not answered, by name identity: a second local claim of the same name waits for none. */
  private readonly pendingNames = new NameRegistry<Op<T>>();
  private readonly claimAnswers = new Map<Op<T>, (result: ClaimResult) => void>();
  private readonly o: Required<Omit<RedisRoomLinkOptions, 'log'>>;
  private readonly log: (line: string) => void;
  private readonly keys: { log: string; history: string };
  private onEvent: (event: RoomEvent<T>) => void = () => {};
  private main!: Client;
  private reader!: Client;
  private shas: Partial<Record<ScriptName, string>> = {};
  /** Registered on the current connection (after a reconnect: once registered again). */
  private registered = false;
  private started = false;
  private closing = false;
  private closed = false;
  private readySince = 0;
  private recovering: Promise<void> | null = null;
  private recoverAgain = false;
  private beating = false;
  private lastBeat = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private pumpScheduled = false;
  private outage = false;
  /** For status(): outages seen, and the last heartbeat's round trip. */
  private outages = 0;
  private roundTripMs: number | null = null;
  /** The largest history id seen: the floor for the next one. */
  private maxId = 0;
  private waiters: Array<() => void> = [];
  private reading: Promise<void> | null = null;

  constructor(options: RedisRoomLinkOptions) {
    this.o = {
      ...DEFAULTS,
      goneGraceMs: 12 * options.nodeTtlMs,
      ...stripUndefined(options),
    } as Required<Omit<RedisRoomLinkOptions, 'log'>>;
    this.log = options.log ?? (() => {});
    this.nodeId = `${options.nodeName}-${randomBytes(4).toString('hex')}`;
    this.filter = new SeqFilter(Math.max(this.o.goneGraceMs, 3_600_000));
    this.outbox = new Outbox<T>(this.o.bufferBytes);
    this.keys = { log: `${this.o.prefix}log`, history: `${this.o.prefix}history` };
  }

  get names(): readonly string[] {
    return this.roster.names;
  }

  find(name: string): RoomMember<T> | undefined {
    return this.roster.find(name);
  }

  status(): LinkStatus {
    return {
      connected: this.isUp(),
      heldOps: this.outbox.length,
      heldBytes: this.outbox.bytes,
      roundTripMs: this.roundTripMs,
      outages: this.outages,
    };
  }

  // --- Starting and stopping ------------------------------------------------------------

  async start(onEvent: (event: RoomEvent<T>) => void): Promise<void> {
    this.onEvent = onEvent;
    const where = `${CLUSTER_SETTINGS.redisUrl.env}=${redactUrl(this.o.url)}`;
    try {
      this.main = this.createClient(this.o.nodeTtlMs);
      this.reader = this.createClient(READ_BLOCK_MS + this.o.nodeTtlMs);
      await this.main.connect();
      await this.reader.connect();
      await this.loadScripts();
      await this.registerFresh();
      await this.backfillHistory();
    } catch (error) {
      await this.destroyClients();
      throw new ClusterStartError(`cannot join the cluster through Redis at ${where}: ${messageOf(error)}`);
    }
    this.started = true;
    this.registered = true;
    this.readySince = Date.now();
    this.main.on('ready', () => this.onReady());
    this.main.on('reconnecting', () => this.onDisconnect());
    this.reader.on('ready', () => this.wake());
    this.heartbeat = setInterval(() => void this.beat(), this.o.heartbeatMs);
    this.reading = this.readLoop();
    this.log(`cluster: node ${this.nodeId} joined the room through Redis at ${redactUrl(this.o.url)}`);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    if (this.started) {
      // Let what is held reach Redis (bounded), then say goodbye: every node
      // sees this node's members leave at once.
      const deadline = Date.now() + this.o.closeWaitMs;
      while (this.outbox.unsent > 0 && this.isUp() && Date.now() < deadline) {
        this.pump();
        await this.waitForChange(deadline - Date.now());
      }
      if (this.outbox.unsent > 0) this.log(`cluster: stopping with ${this.outbox.unsent} ops Redis never got`);
      if (this.isUp()) {
        await withTimeout(this.script('part', []), Math.max(100, deadline - Date.now())).catch((error: unknown) =>
          this.log(`cluster: could not leave the room cleanly (${messageOf(error)}); the others will notice within ${this.o.nodeTtlMs} ms`),
        );
      }
    }
    this.closed = true;
    this.failClaims();
    this.wake();
    await this.destroyClients();
    await this.reading;
  }

  private createClient(socketTimeout: number): Client {
    const client = createClient({
      url: this.o.url,
      // Ops wait in the outbox, where they are bounded and kept in order;
      // the client's own offline queue would hold them unbounded and blind.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 5000,
        // A connection that hears nothing for this long is dead (a lost network, not a closed socket).
        socketTimeout,
        // Before the first connection: fail (the process exits). After: retry, quickly.
        reconnectStrategy: (retries: number, cause: Error) =>
          this.closing ? false : this.started ? Math.min(50 * 2 ** retries, this.o.reconnectMaxMs) : cause,
      },
    });
    client.on('error', (error: Error) => {
      if (this.started && !this.closing && !this.outage) {
        this.outage = true;
        this.outages++;
        this.log(`cluster: Redis unreachable (${messageOf(error)}); holding lines until it is back`);
      }
    });
    return client;
  }

  private async destroyClients(): Promise<void> {
    for (const client of [this.main, this.reader]) {
      if (client === undefined) continue;
      try {
        client.destroy();
      } catch {
        // never connected
      }
    }
  }

  private isUp(): boolean {
    return this.main?.isReady === true && this.registered && !this.closed;
  }

  // --- Registration -------------------------------------------------------------------

  private async loadScripts(): Promise<void> {
    for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
      this.shas[name] = String(await this.main.sendCommand(['SCRIPT', 'LOAD', SCRIPTS[name]]));
    }
  }

  private script(name: ScriptName, args: readonly string[]): Promise<Reply> {
    return this.main.sendCommand(['EVALSHA', this.shas[name]!, '0', this.o.prefix, this.nodeId, ...args]);
  }

  /** A node starting: registered with a read position at the log's end, and the room as it is. */
  private async registerFresh(): Promise<void> {
    const reply = (await this.script('register', [String(this.o.nodeTtlMs), 'fresh', ''])) as [string, [string, string, string[]][]];
    for (const [node, seq, names] of reply[1]) {
      this.filter.seed(node, Number(seq));
      for (const name of names) this.roster.add(name, node);
    }
  }

  /** Fills this node's history with the lines Redis keeps that it does not have. */
  private async backfillHistory(): Promise<void> {
    const history = this.o.history;
    const last = history.enabled ? (history.recent(1)[0]?.id ?? 0) : 0;
    this.maxId = Math.max(this.maxId, last);
    if (!history.enabled || this.o.historyMax === 0) return;
    const rows = (await this.main.sendCommand(['ZRANGEBYSCORE', this.keys.history, `(${last}`, '+inf'])) as string[];
    for (const row of rows) {
      const line = parseHistoryMember(row);
      if (line === null) continue;
      history.insert(line);
      this.maxId = Math.max(this.maxId, line.id);
    }
    history.commit();
  }

  private onReady(): void {
    this.readySince = Date.now();
    void this.recover();
  }

  private onDisconnect(): void {
    if (this.closed) return;
    this.registered = false;
    if (!this.outbox.busy) this.failClaims();
    this.wake();
  }

  /**
   * After a reconnect, or when this node finds itself unregistered: scripts
   * loaded again (a restarted Redis has none), the node and its names
   * registered again, every op kept published again, and a sync saying
   * which names this node holds. Runs once at a time; asked again meanwhile, it runs again.
   */
  private recover(): Promise<void> {
    if (this.recovering !== null) {
      this.recoverAgain = true;
      return this.recovering;
    }
    this.recovering = (async () => {
      do {
        this.recoverAgain = false;
        this.registered = false;
        await this.settled();
        if (this.closing || !this.main.isReady) break;
        try {
          await this.loadScripts();
          await this.registerAgain();
          this.registered = true;
          if (this.outage) {
            this.outage = false;
            this.log(`cluster: Redis is back; publishing ${this.outbox.length} held ops again`);
          }
        } catch (error) {
          this.log(`cluster: could not register again (${messageOf(error)}); retrying`);
          // Connection trouble brings a new 'ready'; anything else is retried at the next heartbeat.
        }
      } while (this.recoverAgain && !this.closing);
      this.recovering = null;
      this.wake();
      this.schedulePump();
    })();
    return this.recovering;
  }

  private async registerAgain(): Promise<void> {
    const mine = this.roster.namesOf(this.nodeId);
    const pairs = mine.flatMap((name) => [name, nameIdentityKeys(name).join('\n')]);
    const known = this.roster.nodes().filter((node) => node !== this.nodeId);
    const reply = (await this.script('register', [String(this.o.nodeTtlMs), 'again', known.join('\n'), ...pairs])) as [
      string,
      string[],
      [string, string, string[]][],
    ];
    this.outbox.replayAll();
    for (const name of reply[1]) this.loseMember(name);
    // Our read position was lost with Redis's data: names claimed meanwhile
    // may be in no entry we will read. Take them from the room as it is
    // (adding only: a node that has not registered again yet is not gone).
    for (const [node, , names] of reply[2]) for (const name of names) this.remoteJoin(name, node);
    this.outbox.push({ kind: 'sync', names: this.roster.namesOf(this.nodeId) });
    await this.reseedHistory();
  }

  /** Redis came back without the lines it keeps for starting nodes: this node gives its own. */
  private async reseedHistory(): Promise<void> {
    const history = this.o.history;
    if (!history.enabled || this.o.historyMax === 0) return;
    if (Number(await this.main.sendCommand(['ZCARD', this.keys.history])) > 0) return;
    const rows = history.recent(this.o.historyMax);
    for (let i = 0; i < rows.length; i += 500) {
      const args = rows.slice(i, i + 500).flatMap((r) => [String(r.id), historyMember(r)]);
      await this.main.sendCommand(['ZADD', this.keys.history, ...args]);
    }
  }

  /** A member of this node whose name someone else holds now: out of the room, and told. */
  private loseMember(name: string): void {
    const member = this.roster.remove(name, this.nodeId);
    if (member === undefined || member.holder === undefined) return;
    this.log(`cluster: ${name} lost its name to another node while Redis was without its data`);
    this.onEvent({ type: 'lost', name, holder: member.holder });
    this.onEvent({ type: 'leave', name, holder: member.holder });
  }

  // --- Heartbeat ------------------------------------------------------------------------

  private async beat(): Promise<void> {
    if (this.beating || this.closing) return;
    if (!this.isUp()) {
      // A registration that failed for another reason than the connection is retried here.
      if (this.main.isReady && this.recovering === null && this.started) void this.recover();
      return;
    }
    this.beating = true;
    this.lastBeat = Date.now();
    try {
      const mayReap = Date.now() - this.readySince >= this.o.nodeTtlMs ? '1' : '0';
      const sent = performance.now();
      const reply = (await this.script('heartbeat', [String(this.o.nodeTtlMs), mayReap, String(this.o.goneGraceMs)])) as [
        string,
        string?,
        string[]?,
      ];
      this.roundTripMs = performance.now() - sent;
      if (reply[0] === 'unregistered') {
        this.log(`cluster: this node was taken for dead; registering again`);
        void this.recover();
      } else if (reply[1]) {
        this.outbox.release(reply[1], this.filter.lastOf(this.nodeId));
        this.wake();
      }
    } catch (error) {
      if (isNoScript(error)) void this.recover();
      // Otherwise the connection is going: the reconnect handles it.
    } finally {
      this.beating = false;
    }
    this.filter.prune(Date.now());
  }

  // --- Claims and publishing -----------------------------------------------------------

  claim(name: string, holder: T): ClaimResult | Promise<ClaimResult> {
    if (!this.isUp()) return 'unavailable';
    if (this.roster.find(name) !== undefined || this.pendingNames.find(name) !== undefined) return 'taken';
    const op = this.outbox.push({ kind: 'join', name, keys: nameIdentityKeys(name) }, holder)!;
    this.pendingNames.add(name, op);
    this.schedulePump();
    return new Promise((resolve) => this.claimAnswers.set(op, resolve));
  }

  release(name: string, holder: T): void {
    if (this.roster.remove(name, this.nodeId, holder) === undefined) return;
    this.outbox.push({ kind: 'leave', name }, holder);
    this.schedulePump();
  }

  publishPublic(from: string, text: string, sender: T, label?: string): PublishResult {
    const body: OpBody = { kind: 'public', name: from, text, time: Date.now(), id: null };
    if (label !== undefined) body.label = label;
    return this.publish(this.outbox.push(body, sender));
  }

  publishPrivate(from: string, to: RoomMember<T>, text: string, sender: T): PublishResult {
    return this.publish(this.outbox.push({ kind: 'private', from, text, to: to.name, node: to.node }, sender));
  }

  private publish(op: Op<T> | null): PublishResult {
    if (op === null) return 'full';
    this.schedulePump();
    // Past half the budget, ask now (not at the next heartbeat) what every node has read.
    if (this.outbox.bytes > this.o.bufferBytes / 2 && Date.now() - this.lastBeat >= 50) void this.beat();
    return 'ok';
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // One batch per event-loop turn at most: the turn's ops travel together.
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Sends the next batch of ops, unless one is on its way. */
  private pump(): void {
    if (!this.isUp() || this.recovering !== null || this.outbox.busy) return;
    const batch = this.outbox.takeBatch(this.o.batchOps, this.o.batchBytes);
    if (batch.length === 0) return;
    const args = [String(this.maxId + 1), String(this.o.history.enabled ? this.o.historyMax : 0), String(this.outbox.released)];
    for (const op of batch) args.push(...encodeOp(op));
    this.script('apply', args).then(
      (reply) => this.onApplied(batch, reply as Reply[]),
      (error: unknown) => this.onApplyFailed(error),
    );
  }

  private onApplied(batch: Op<T>[], reply: Reply[]): void {
    const results = reply.map(parseOpResult);
    this.outbox.confirm(results);
    batch.forEach((op, i) => {
      const result = results[i]!;
      if (op.body.kind === 'public' && result.status === 'ok' && result.id !== undefined) {
        this.maxId = Math.max(this.maxId, result.id);
      }
      if (op.body.kind !== 'join') return;
      const answer = this.claimAnswers.get(op);
      if (answer === undefined) return; // a claim published again: answered long ago
      this.claimAnswers.delete(op);
      this.pendingNames.delete(op.body.name, op);
      if (result.status === 'ok') this.roster.add(op.body.name, this.nodeId, op.tag);
      answer(result.status);
    });
    this.wake();
    this.pump();
  }

  private onApplyFailed(error: unknown): void {
    this.outbox.abort();
    const message = messageOf(error);
    if (message.startsWith('UNREGISTERED')) {
      void this.recover();
    } else if (isNoScript(error)) {
      void this.recover();
    } else if (!this.main.isReady) {
      this.failClaims();
    } else {
      // Redis refused the batch itself (out of memory, say): nothing was applied; try again soon.
      this.log(`cluster: Redis refused ${this.outbox.unsent} ops (${message}); retrying`);
      setTimeout(() => this.schedulePump(), this.o.heartbeatMs).unref();
    }
    this.wake();
  }

  /** Claims not applied yet while Redis is away: their users are told to try later. */
  private failClaims(): void {
    const joins = this.closed ? [...this.claimAnswers.keys()] : this.outbox.takeUnappliedJoins();
    for (const op of joins) {
      const answer = this.claimAnswers.get(op);
      this.claimAnswers.delete(op);
      if (op.body.kind === 'join') this.pendingNames.delete(op.body.name, op);
      answer?.('unavailable');
    }
  }

  // --- Reading the room ----------------------------------------------------------------

  private async readLoop(): Promise<void> {
    const command = ['XREADGROUP', 'GROUP', this.nodeId, this.nodeId, 'COUNT', String(this.o.readCount), 'BLOCK', String(READ_BLOCK_MS), 'NOACK', 'STREAMS', this.keys.log, '>'];
    while (!this.closed) {
      if (!this.registered || !this.reader.isReady) {
        await this.waitForChange(this.o.heartbeatMs);
        continue;
      }
      let reply: Reply;
      try {
        reply = await this.reader.sendCommand(command);
      } catch (error) {
        if (this.closed) break;
        // Our read position is gone while we thought we were registered: register again.
        if (/NOGROUP/.test(messageOf(error)) && this.registered) void this.recover();
        await this.waitForChange(this.o.heartbeatMs);
        continue;
      }
      if (reply === null || this.closed) continue;
      for (const [, entries] of reply as [string, [string, string[]][]][]) {
        for (const [, fields] of entries) this.apply(fieldsOf(fields));
      }
      // One transaction per read: a node without members (no socket write
      // to commit before) must not pile lines up in memory.
      this.o.history.commit();
      this.wake();
    }
  }

  /** One event of the room, in the log's order. */
  private apply(f: Record<string, string>): void {
    const origin = f.o;
    const type = f.t;
    if (origin === undefined || type === undefined) return;
    if (type === 'gone') {
      this.filter.markGone(origin, Date.now());
      if (origin === this.nodeId) return; // this node leaving, or taken for dead: it registers again
      for (const name of this.roster.removeNode(origin)) this.onEvent({ type: 'leave', name, holder: undefined });
      return;
    }
    const seq = Number(f.s);
    if (!this.filter.accept(origin, seq)) return;
    const mine = origin === this.nodeId;
    let tag: T | undefined;
    if (mine) {
      const op = this.outbox.find(seq);
      // A claim given up while Redis was away, yet applied: its user never joined here.
      if (op === undefined) return;
      tag = op.tag;
    }
    const name = f.n ?? '';
    switch (type) {
      case 'j':
        if (mine) this.onEvent({ type: 'join', name, holder: tag });
        else this.remoteJoin(name, origin);
        return;
      case 'l':
        if (mine) this.onEvent({ type: 'leave', name, holder: tag });
        else if (this.roster.remove(name, origin) !== undefined) this.onEvent({ type: 'leave', name, holder: undefined });
        return;
      case 'p': {
        const line: StoredLine = { id: Number(f.i), time: Number(f.m), name, text: f.x ?? '' };
        // Its id, should the answer to the batch have been lost: a later republish keeps it.
        if (mine) {
          const body = this.outbox.find(seq)?.body;
          if (body?.kind === 'public' && body.id === null) body.id = line.id;
        }
        this.o.history.insert(line);
        if (line.id > this.maxId) this.maxId = line.id;
        const label = f.l;
        this.onEvent(label === undefined || label === '' ? { type: 'public', line, sender: tag } : { type: 'public', line, sender: tag, label });
        return;
      }
      case 'm': {
        if (f.d !== this.nodeId || f.to === undefined) return;
        const to = this.roster.find(f.to);
        if (to !== undefined && to.node === this.nodeId && to.holder !== undefined) {
          this.onEvent({ type: 'private', from: name, to: to.holder, text: f.x ?? '' });
        }
        return;
      }
      case 's': {
        if (mine) return;
        const { added, removed } = this.roster.reconcile(origin, (f.ns ?? '').split('\n').filter(Boolean));
        for (const n of removed) this.onEvent({ type: 'leave', name: n, holder: undefined });
        for (const n of added) this.onEvent({ type: 'join', name: n, holder: undefined });
        return;
      }
    }
  }

  /**
   * A member of another node joined. Normally its name is free here; it is
   * not only when Redis lost its data and two nodes gave the name out: the
   * latest claim holds it, and the earlier holder leaves (told, if it is ours).
   */
  private remoteJoin(name: string, origin: string): void {
    const held = this.roster.find(name);
    if (held !== undefined) {
      if (held.node === origin) return;
      if (held.node === this.nodeId) this.loseMember(held.name);
      else if (this.roster.remove(held.name, held.node) !== undefined) {
        this.onEvent({ type: 'leave', name: held.name, holder: undefined });
      }
    }
    if (this.roster.add(name, origin) !== null) this.onEvent({ type: 'join', name, holder: undefined });
  }

  // --- Small helpers ------------------------------------------------------------------

  /** Waits for the batch in flight (if any) to settle. */
  private async settled(): Promise<void> {
    while (this.outbox.busy && !this.closed) await this.waitForChange(this.o.heartbeatMs);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves at the next change of state (a batch answered, a read, a reconnect) or after `ms`. */
  private waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(1, ms));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }
}

/** The seven script arguments of an op (redis-scripts.ts, APPLY). */
function encodeOp(op: Op<unknown>): string[] {
  const b = op.body;
  const seq = String(op.seq);
  switch (b.kind) {
    case 'join':
      return [op.applied ? 'J' : 'j', seq, b.name, b.keys.join('\n'), '', '', ''];
    case 'leave':
      return ['l', seq, b.name, '', '', '', ''];
    case 'public':
      // P: sent before with no id known to us; Redis may know the one it gave.
      return [op.sentBefore && b.id === null ? 'P' : 'p', seq, b.name, b.text, b.id === null ? '' : String(b.id), String(b.time), b.label ?? ''];
    case 'private':
      return ['m', seq, b.from, b.text, b.to, b.node, ''];
    case 'sync':
      return ['s', seq, b.names.join('\n'), '', '', '', ''];
  }
}

function parseOpResult(reply: Reply): OpResult {
  const [status, streamId, id] = reply as [string, string?, string?];
  if (status === 'ok') return { status, streamId: streamId!, ...(id === undefined ? {} : { id: Number(id) }) };
  return { status: status === 'taken' ? 'taken' : 'unavailable' };
}

function fieldsOf(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

/** A history line as Redis keeps it: fields LF-separated (no name or text holds a LF). */
function historyMember(line: StoredLine): string {
  return `${line.id}\n${line.time}\n${line.name}\n${line.text}`;
}

function parseHistoryMember(member: string): StoredLine | null {
  const a = member.indexOf('\n');
  const b = member.indexOf('\n', a + 1);
  const c = member.indexOf('\n', b + 1);
  if (a === -1 || b === -1 || c === -1) return null;
  const id = Number(member.slice(0, a));
  const time = Number(member.slice(a + 1, b));
  if (!Number.isSafeInteger(id) || !Number.isSafeInteger(time)) return null;
  return { id, time, name: member.slice(b + 1, c), text: member.slice(c + 1) };
}

function isNoScript(error: unknown): boolean {
  return /NOSCRIPT/.test(messageOf(error));
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message !== '') return error.message;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}

function withTimeout<V>(promise: Promise<V>, ms: number): Promise<V> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

function stripUndefined<O extends object>(o: O): Partial<O> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<O>;
}
