/**
 * One measured system with its clients joined: the server under test (or
 * the baseline, or the gateway in front of the server), the load-generator
 * workers holding the clients, and the steps run on them.
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join as joinPath } from 'node:path';
import { Histogram } from './histogram.ts';
import { nowUs } from './probe.ts';
import { REPO, type Service, Worker, cpuSeconds, startService } from './processes.ts';
import { type System, SYSTEM_LABEL, gatewayWorkers, optInFor, serverSystem, startChatServer } from './servers.ts';
import type { FromWorker, JoinMode, Target, WsClientKind } from './worker-protocol.ts';
import { GATEWAY_READY_RE } from '../common/ready-lines.ts';

export { type System, SYSTEM_LABEL } from './servers.ts';
/** Clients a worker joins at once (a batch connects, then all send their names together). */
const JOIN_CONCURRENCY = 250;
/** Time between telling the workers of a step and its start, so all are ready. */
const STEP_LEAD_US = 300_000;
/** A drain ends when nothing new arrived for this long. */
const DRAIN_IDLE_MS = 2000;
const POLL_MS = 100;

export interface SessionOptions {
  system: System;
  clients: number;
  workers: number;
  /** Write a .cpuprofile of the measured processes (project's only) under this directory. */
  profileDir?: string;
  /** The load generator's WebSocket client (default: the lean one, bench/ws-client.ts). */
  wsClient?: WsClientKind;
  /**
   * Starts the measured processes instead of the system's own (a cluster:
   * Redis and its chat nodes), adding each to `services` as it starts (so a
   * failed start stops them), and resolves with one target per chat node.
   * Worker w's clients connect to target w mod nodes: `workers` must be a
   * multiple of the targets, so every worker's clients are on one node and
   * the nodes get equal shares.
   */
  start?: (services: Service[]) => Promise<Target[]>;
  progress: (text: string) => void;
}

export interface StepOptions {
  senders: number;
  ratePerSender: number;
  durationMs: number;
  /** Longest wait, after the senders finish, for the last deliveries. */
  drainMaxMs: number;
}

export interface StepResult {
  senders: number;
  ratePerSender: number;
  durationMs: number;
  /** Lines per second all senders offered together. */
  offeredLinesPerSec: number;
  /** Deliveries per second that load asks for: lines × (clients − 1). */
  offeredDeliveriesPerSec: number;
  sentLines: number;
  expectedDeliveries: number;
  received: number;
  /** Deliveries per second achieved: received ÷ (last arrival − start). */
  deliveriesPerSec: number;
  /** Expected deliveries never received (after the drain). */
  lost: number;
  duplicates: number;
  /** Lines that arrived with a sequence number skipped or repeated: out of order or lost. */
  orderErrors: number;
  /**
   * Over several chat nodes: the deliveries whose sender was on another node
   * than their receiver, and their latency (send to arrival, as p50Ms…).
   */
  crossNode?: { deliveries: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** Connections the system closed during the step. */
  disconnects: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU use during the send window, in % of one core. */
  cpuSystemPct: number;
  cpuLoadgenPct: number;
  /** The same per measured process (`tcp-server`, `gateway` with its workers), by name. */
  cpuByServicePct?: Record<string, number>;
  /** The machine's 1-minute load average at the end of the send window (other work on the shared cores). */
  loadAverage?: number;
  /** Through the gateway: how often its flow control paused a chat-server connection (gateway_upstream_pauses_total). */
  gatewayPauses?: number;
  /** RSS of the measured processes at the end of the send window. */
  rssBytes: number;
}

export interface JoinOutcome {
  joined: number;
  /** Joined clients that were given a session (`+session`, after opting in to resume). */
  sessions: number;
  failed: number;
  /** Why the first client that could not join failed. */
  firstError: string | null;
  /** When the last welcome arrived (monotonic µs, 0: none). */
  lastWelcomeUs: number;
}

function joinOutcome(replies: Array<Extract<FromWorker, { type: 'joined' }>>): JoinOutcome {
  return {
    joined: replies.reduce((n, r) => n + r.joined, 0),
    sessions: replies.reduce((n, r) => n + r.sessions, 0),
    failed: replies.reduce((n, r) => n + r.failed, 0),
    firstError: replies.find((r) => r.firstError !== null)?.firstError ?? null,
    lastWelcomeUs: Math.max(0, ...replies.map((r) => r.lastWelcomeUs)),
  };
}

export class Session {
  private run = 0;
  /** Cumulative disconnects reported by the workers before the current step. */
  private disconnectsBefore = 0;

  private constructor(
    readonly options: SessionOptions,
    /** Measured processes: the server (or baseline), and the gateway if any; a cluster's Redis and nodes. */
    readonly services: Service[],
    /** One per chat node; worker w's clients connect to targets[w % targets.length]. */
    readonly targets: Target[],
    readonly workers: Worker[],
  ) {}

  /** Where the clients connect (the first node's address in a cluster). */
  get target(): Target {
    return this.targets[0]!;
  }

  /** The chat node (index into targets) worker `w`'s clients are on. */
  private nodeOf(w: number): number {
    return w % this.targets.length;
  }

  static async open(options: SessionOptions): Promise<Session> {
    const services: Service[] = [];
    // The load generators start while the measured processes do: they wait for nothing.
    const workers = Array.from({ length: options.workers }, (_, i) => new Worker(i));
    // Listened for now: a worker says 'ready' once, maybe before the server is up.
    const ready = Promise.all(workers.map((w) => w.next('ready')));
    ready.catch(() => {}); // awaited below; a failed start stops them anyway
    try {
      if (options.start !== undefined) {
        const targets = await options.start(services);
        if (targets.length === 0 || options.workers % targets.length !== 0) {
          throw new Error(`${SYSTEM_LABEL[options.system]}: ${options.workers} load-generator workers cannot split evenly over ${targets.length} nodes`);
        }
        await ready;
        return new Session(options, services, targets, workers);
      }
      const nodeArgs = (label: string) => (options.system === 'baseline' ? [] : profileArgs(options.profileDir, label));
      const workersOfGateway = gatewayWorkers(options.system);
      // Behind the gateway: the server with its default settings (history on).
      const { service: server, port: serverPort } = await startChatServer({
        system: serverSystem(options.system),
        clients: options.clients,
        nodeArgs: nodeArgs(options.system === 'history-off' ? 'tcp-server-history-off' : 'tcp-server'),
      });
      services.push(server);
      const optIn = optInFor(options.system);
      let target: Target = { kind: 'tcp', host: '127.0.0.1', port: serverPort, ...(optIn === undefined ? {} : { optIn }) };
      if (workersOfGateway > 0) {
        const { service: gateway, match: g } = await startService(
          'gateway',
          'gateway/main.ts',
          {
            HTTP_HOST: '127.0.0.1',
            HTTP_PORT: '0',
            CHAT_HOST: '127.0.0.1',
            CHAT_PORT: String(serverPort),
            // Every bench client comes from 127.0.0.1.
            MAX_SOCKETS_PER_IP: '100000',
            GATEWAY_WORKERS: String(workersOfGateway),
            LOG_LEVEL: 'warn',
          },
          GATEWAY_READY_RE,
          nodeArgs('gateway'),
        );
        services.push(gateway);
        const origin = g[1]!;
        target = { kind: 'ws', url: `ws://${g[2]}:${g[3]}/ws`, origin, client: options.wsClient ?? 'lean' };
      }
      await ready;
      return new Session(options, services, [target], workers);
    } catch (error) {
      await Promise.all([...services.map((s) => s.stop()), ...workers.map((w) => w.stop())]);
      throw error;
    }
  }

  get label(): string {
    return SYSTEM_LABEL[this.options.system];
  }

  /** RSS of the measured processes (a gateway's workers included), summed. */
  rss(): number {
    return this.services.reduce((sum, s) => sum + s.rssNow(), 0);
  }

  /**
   * Connects every client and waits for each one's welcome. A client
   * that cannot join fails the session, unless `tolerate` (idle memory: the
   * count that joined is reported).
   */
  async joinAll(tolerate = false): Promise<JoinOutcome & { seconds: number }> {
    const started = performance.now();
    // A WebSocket join also opens the gateway's upstream connection: smaller batches.
    const size = this.target.kind === 'ws' ? JOIN_CONCURRENCY / 5 : JOIN_CONCURRENCY;
    const outcome = await this.join({ kind: 'batches', size });
    if (outcome.failed > 0 && !tolerate) {
      const output = this.services.map((s) => s.output()).join('\n');
      throw new Error(`${this.label}: ${outcome.failed} of ${this.options.clients} clients could not join (${outcome.firstError})\n${output}`);
    }
    // Clients that opted in to resume must hold a session, or the comparison compares nothing.
    if (this.target.kind === 'tcp' && this.target.optIn !== undefined && outcome.sessions !== outcome.joined) {
      throw new Error(`${this.label}: only ${outcome.sessions} of ${outcome.joined} clients that opted in got a session (+session)`);
    }
    return { ...outcome, seconds: (performance.now() - started) / 1000 };
  }

  /**
   * Every client connects at once and sends its name right away (see
   * JoinMode 'storm'); `seconds` runs from the common start to the last
   * welcome, null when not everyone was welcomed within `timeoutMs`.
   */
  async storm(stopReading: boolean, timeoutMs: number): Promise<JoinOutcome & { seconds: number | null }> {
    const startUs = nowUs() + STEP_LEAD_US;
    const outcome = await this.join({ kind: 'storm', startUs, deadlineUs: startUs + timeoutMs * 1000, stopReading });
    return { ...outcome, seconds: outcome.failed === 0 ? (outcome.lastWelcomeUs - startUs) / 1e6 : null };
  }

  /** Connections the system closed so far (the clients close none before the session ends). */
  async disconnects(): Promise<number> {
    const progress = await Promise.all(this.workers.map((w) => w.request({ type: 'progress' }, 'progress')));
    return progress.reduce((n, p) => n + p.disconnects, 0);
  }

  private async join(mode: JoinMode): Promise<JoinOutcome> {
    const { clients } = this.options;
    const joined = new Array<number>(this.workers.length).fill(0);
    const share = (w: number) => Math.floor((w * clients) / this.workers.length);
    for (const w of this.workers) {
      w.onMessage = (m) => {
        if (m.type === 'join-progress') {
          joined[w.id] = m.joined;
          this.options.progress(`${this.label}: joining ${joined.reduce((a, b) => a + b, 0)}/${clients}`);
        }
      };
    }
    const replies = await Promise.all(
      this.workers.map((w, i) =>
        w.request({ type: 'join', target: this.targets[this.nodeOf(i)]!, from: share(i), to: share(i + 1), prefix: 'u', mode }, 'joined'),
      ),
    );
    for (const w of this.workers) w.onMessage = null;
    return joinOutcome(replies);
  }

  /** Senders spread evenly over the clients, hence over the workers (and the nodes). */
  private senderClients(senders: number): Array<{ client: number; slot: number }> {
    const n = this.options.clients;
    return Array.from({ length: senders }, (_, slot) => ({ client: Math.floor((slot * n) / senders), slot }));
  }

  /** The worker that holds client `index` (join() gives worker w the clients [share(w), share(w + 1))). */
  private workerOfClient(index: number): number {
    const { clients } = this.options;
    const count = this.workers.length;
    let w = 0;
    while (w < count - 1 && index >= Math.floor(((w + 1) * clients) / count)) w++;
    return w;
  }

  /** The sender slots on another node than worker `w`'s clients (none on a single server). */
  private remoteSlots(w: number, senders: Array<{ client: number; slot: number }>): number[] {
    if (this.targets.length < 2) return [];
    return senders.filter((s) => this.nodeOf(this.workerOfClient(s.client)) !== this.nodeOf(w)).map((s) => s.slot);
  }

  async step(opts: StepOptions): Promise<StepResult> {
    const run = ++this.run;
    const clients = this.options.clients;
    const startUs = nowUs() + STEP_LEAD_US;
    const senders = this.senderClients(opts.senders);
    // A gateway's cluster workers count with it (they are up by now).
    const servicePids = this.services.map((s) => s.pids());
    const pids = servicePids.flat();
    const loadPids = this.workers.map((w) => w.pid);
    const cpu = (list: number[]) => list.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

    // CPU and memory are read over the send window itself.
    const window = new Promise<{ sys: number; load: number; rss: number; byService: Record<string, number>; loadAverage: number }>((resolve) => {
      setTimeout(() => {
        const sys0 = cpu(pids);
        const load0 = cpu(loadPids);
        const each0 = servicePids.map(cpu);
        const t0 = performance.now();
        setTimeout(() => {
          const seconds = (performance.now() - t0) / 1000;
          const byService: Record<string, number> = {};
          this.services.forEach((s, i) => (byService[s.name] = ((cpu(servicePids[i]!) - each0[i]!) / seconds) * 100));
          resolve({
            sys: ((cpu(pids) - sys0) / seconds) * 100,
            load: ((cpu(loadPids) - load0) / seconds) * 100,
            rss: this.rss(),
            byService,
            loadAverage: loadavg()[0]!,
          });
        }, opts.durationMs);
      }, STEP_LEAD_US / 1000);
    });

    const pausesBefore = await this.gatewayPauses();
    const sentReplies = await Promise.all(
      this.workers.map((w, i) =>
        w.request(
          {
            type: 'run',
            run,
            senders,
            senderCount: opts.senders,
            ratePerSender: opts.ratePerSender,
            startUs,
            durationMs: opts.durationMs,
            remoteSlots: this.remoteSlots(i, senders),
          },
          'sent',
        ),
      ),
    );
    const sentLines = sentReplies.reduce((n, r) => n + r.sent.reduce((m, s) => m + s.lines, 0), 0);
    const expected = sentLines * (clients - 1);

    // Drain: until everything arrived, nothing new came for a while, or the limit.
    const drainStart = performance.now();
    let lastTotal = -1;
    let lastChange = performance.now();
    for (;;) {
      const progress = await Promise.all(this.workers.map((w) => w.request({ type: 'progress' }, 'progress')));
      const total = progress.reduce((n, p) => n + p.received, 0);
      // Lines of an earlier, overloaded step still arriving count as traffic:
      // the system is not idle until they stop.
      const traffic = total + progress.reduce((n, p) => n + p.stale, 0);
      const now = performance.now();
      if (traffic !== lastTotal) {
        lastTotal = traffic;
        lastChange = now;
      }
      this.options.progress(
        `${this.label}: ${opts.senders} senders × ${opts.ratePerSender}/s, draining ${total}/${expected} deliveries`,
      );
      if (total >= expected || now - lastChange > DRAIN_IDLE_MS || now - drainStart > opts.drainMaxMs) break;
      await sleep(POLL_MS);
    }
    const measured = await window;
    const pausesAfter = await this.gatewayPauses();
    const reports = await Promise.all(this.workers.map((w) => w.request({ type: 'report' }, 'report')));

    const latency = new Histogram();
    const remote = new Histogram();
    let received = 0;
    let duplicates = 0;
    let gaps = 0;
    let lastArrival = 0;
    let disconnects = 0;
    for (const r of reports) {
      latency.merge(r.stats.latency);
      if (r.stats.remoteLatency !== undefined) remote.merge(r.stats.remoteLatency);
      received += r.stats.received;
      duplicates += r.stats.duplicates;
      gaps += r.stats.gaps;
      lastArrival = Math.max(lastArrival, r.stats.lastArrivalUs);
      disconnects += r.disconnects;
    }
    const newDisconnects = disconnects - this.disconnectsBefore;
    this.disconnectsBefore = disconnects;
    const activeSeconds = lastArrival > startUs ? (lastArrival - startUs) / 1e6 : opts.durationMs / 1000;
    const offeredLinesPerSec = opts.senders * opts.ratePerSender;
    return {
      senders: opts.senders,
      ratePerSender: opts.ratePerSender,
      durationMs: opts.durationMs,
      offeredLinesPerSec,
      offeredDeliveriesPerSec: offeredLinesPerSec * (clients - 1),
      sentLines,
      expectedDeliveries: expected,
      received,
      deliveriesPerSec: received / Math.max(activeSeconds, opts.durationMs / 1000),
      lost: Math.max(0, expected - (received - duplicates)),
      duplicates,
      orderErrors: gaps + duplicates,
      ...(this.targets.length < 2
        ? {}
        : { crossNode: { deliveries: remote.count, p50Ms: remote.quantile(0.5) / 1000, p99Ms: remote.quantile(0.99) / 1000, maxMs: remote.max / 1000 } }),
      disconnects: newDisconnects,
      p50Ms: latency.quantile(0.5) / 1000,
      p99Ms: latency.quantile(0.99) / 1000,
      maxMs: latency.max / 1000,
      cpuSystemPct: measured.sys,
      cpuLoadgenPct: measured.load,
      cpuByServicePct: measured.byService,
      loadAverage: measured.loadAverage,
      ...(pausesBefore === null || pausesAfter === null ? {} : { gatewayPauses: pausesAfter - pausesBefore }),
      rssBytes: measured.rss,
    };
  }

  /** The gateway's gateway_upstream_pauses_total (summed over its workers); null without a gateway. */
  private async gatewayPauses(): Promise<number | null> {
    if (this.target.kind !== 'ws') return null;
    const res = await fetch(`${this.target.origin}/metrics`);
    const text = await res.text();
    const m = /^gateway_upstream_pauses_total (\d+)$/m.exec(text);
    if (!res.ok || m === null) throw new Error(`${this.label}: /metrics has no gateway_upstream_pauses_total (${res.status})`);
    return Number(m[1]);
  }

  /** Closes every client, stops the measured processes and the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.request({ type: 'close' }, 'closed').catch(() => undefined)));
    await Promise.all(this.services.map((s) => s.stop()));
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}

/** Node's arguments to write a CPU profile of a process under `profileDir` (none: no profile). */
export function profileArgs(profileDir: string | undefined, label: string): string[] {
  if (profileDir === undefined) return [];
  // A directory per process: node writes one profile per thread (tsx's loader has its own).
  const dir = joinPath(profileDir, `${label}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', dir];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const PROFILE_DIR = joinPath(REPO, 'bench', 'results', 'profiles');
