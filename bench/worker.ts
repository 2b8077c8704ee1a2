/**
 * A load-generator worker (a child process of bench/main.ts): holds a slice
 * of the clients, each a real TCP socket or a real WebSocket, sends probe
 * lines for the senders among them and checks every line received.
 */
import net from 'node:net';
import WebSocket from 'ws';
import { Receiver, RunStats, nowUs, probeLine } from './probe.ts';
import { LeanWebSocket } from './ws-client.ts';
import type { FromWorker, JoinMode, Target, ToWorker } from './worker-protocol.ts';

interface BenchClient {
  readonly receiver: Receiver;
  /** Sends the name line: the client then waits for its welcome. */
  sendName(): void;
  /** Sends lines (each without LF), as one write where the transport allows. */
  send(lines: string[]): void;
  /** Reads no more: what the system sends piles up in the kernel's buffers, then in the system's. */
  stopReading(): void;
  close(): void;
}

/** One transport's side of a client: its events, and how it writes, pauses and ends. */
interface Link {
  readonly events: NodeJS.EventEmitter;
  /** One line, without its LF. */
  sendLine(line: string): void;
  send(lines: string[]): void;
  stopReading(): void;
  close(): void;
}

/** Big enough for a whole turn's output of a busy server to one client. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

let stats: RunStats | null = null;
/** Connections that ended while we did not close them. */
let disconnects = 0;
let closing = false;
const clients = new Map<number, BenchClient>();

function post(message: FromWorker): void {
  process.send!(message);
}

function onUnexpectedClose(): void {
  if (!closing) disconnects++;
}

type Done = (err: string | null) => void;

/** Calls `fn` the first time only. */
function once<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let called = false;
  return (...args) => {
    if (called) return;
    called = true;
    fn(...args);
  };
}

/** Reports the prompt (`connected`) and the welcome (`done`) once each, or why they never came. */
function trackJoin(conn: NodeJS.EventEmitter, receiver: Receiver, connected: Done, done: Done): void {
  const settle = once(done);
  receiver.onJoined = () => settle(null);
  receiver.onPrompt = () => connected(null);
  conn.on('error', (err: Error) => {
    connected(err.message);
    settle(err.message);
  });
  conn.on('close', () => {
    connected('closed');
    settle('closed before the welcome');
    onUnexpectedClose();
  });
}

function tcpLink(target: Extract<Target, { kind: 'tcp' }>, receiver: Receiver): Link {
  const socket = net.connect({
    host: target.host,
    port: target.port,
    noDelay: true,
    // Reads land in one buffer shared by every socket of this worker: no
    // Buffer and no stream machinery per read, so the load generator stays
    // cheap next to the server it measures (Receiver copies what it keeps).
    onread: {
      buffer: READ_BUFFER,
      callback: (n: number, buf: Buffer) => {
        receiver.onBytes(buf.subarray(0, n), stats, nowUs());
        return true;
      },
    },
  });
  return {
    events: socket,
    sendLine: (line) => socket.write(line + '\n'),
    send: (lines) => socket.write(lines.join('\n') + '\n'),
    stopReading: () => socket.pause(),
    close: () => socket.destroy(),
  };
}

function wsLink(target: Extract<Target, { kind: 'ws' }>, receiver: Receiver): Link {
  const ws = new WebSocket(target.url, { headers: { Origin: target.origin }, perMessageDeflate: false });
  ws.on('message', (data: Buffer) => receiver.onFrame(data, stats, nowUs()));
  return {
    events: ws,
    // A line written before the socket is open goes out once it is (as a TCP socket does).
    sendLine: (line) => (ws.readyState === WebSocket.CONNECTING ? ws.once('open', () => ws.send(line)) : ws.send(line)),
    // The protocol over WebSocket: one text frame per line.
    send: (lines) => {
      for (const line of lines) ws.send(line);
    },
    stopReading: () => ws.pause(),
    close: () => ws.terminate(),
  };
}

/** When the read being parsed arrived (one clock reading per read, as for TCP). */
let readAtUs = 0;

function leanWsLink(target: Extract<Target, { kind: 'ws' }>, receiver: Receiver): Link {
  const ws = new LeanWebSocket({
    url: target.url,
    origin: target.origin,
    readBuffer: READ_BUFFER,
    onRead: () => (readAtUs = nowUs()),
    onText: (buf, start, end) => receiver.onFrameAt(buf, start, end, stats, readAtUs),
  });
  return {
    events: ws,
    sendLine: (line) => ws.send([line]),
    // One text frame per line, all in one write.
    send: (lines) => ws.send(lines),
    stopReading: () => ws.pause(),
    close: () => ws.terminate(),
  };
}

function connect(target: Target, name: string, connected: Done, done: Done): BenchClient {
  // An opt-in goes with the name, in one write: the server answers it, then takes the name.
  if (target.kind === 'tcp' && target.optIn !== undefined) name = `${target.optIn}\n${name}`;
  const receiver = new Receiver();
  const link =
    target.kind === 'tcp' ? tcpLink(target, receiver) : target.client === 'lean' ? leanWsLink(target, receiver) : wsLink(target, receiver);
  trackJoin(link.events, receiver, connected, done);
  return {
    receiver,
    sendName: () => link.sendLine(name),
    send: (lines) => link.send(lines),
    stopReading: () => link.stopReading(),
    close: () => link.close(),
  };
}

/** Counts a worker's joins and reports them once all are settled. */
class JoinTally {
  joined = 0;
  sessions = 0;
  failed = 0;
  firstError: string | null = null;
  lastWelcomeUs = 0;
  private readonly progress = setInterval(() => post({ type: 'join-progress', joined: this.joined }), 500);

  settle(err: string | null, session = false): void {
    if (err === null) {
      this.joined++;
      if (session) this.sessions++;
      this.lastWelcomeUs = nowUs();
    } else {
      this.failed++;
      this.firstError ??= err;
    }
  }

  finish(): void {
    clearInterval(this.progress);
    post({ type: 'joined', joined: this.joined, sessions: this.sessions, failed: this.failed, firstError: this.firstError, lastWelcomeUs: this.lastWelcomeUs });
  }
}

/**
 * Joins in batches: a batch connects and waits for the prompt (the server
 * has accepted each connection), then every client of it sends its name
 * in the same tick, so the server sees the batch's names together and the
 * join notices to everyone online go out batched (as when many people
 * arrive at once) rather than one storm per joiner. Each client waits for
 * its own welcome.
 */
function joinInBatches(msg: Extract<ToWorker, { type: 'join' }>, size: number, tally: JoinTally): void {
  const batch = (from: number) => {
    if (from >= msg.to) {
      tally.finish();
      return;
    }
    const to = Math.min(msg.to, from + size);
    const members: BenchClient[] = [];
    let connecting = to - from;
    let waiting = to - from;
    for (let index = from; index < to; index++) {
      let client: BenchClient | undefined;
      const connected = once((err: string | null) => {
        if (err === null && client !== undefined) members.push(client);
        if (--connecting === 0) for (const m of members) m.sendName();
      });
      const done = once((err: string | null) => {
        tally.settle(err, client?.receiver.session);
        if (--waiting === 0) batch(to);
      });
      client = connect(msg.target, `${msg.prefix}${index}`, connected, done);
      clients.set(index, client);
    }
  };
  batch(msg.from);
}

/**
 * A join storm: every client connects at the same moment and sends its
 * name with the connection, before the prompt, as fast as a client can: the
 * system gets names while it is still accepting connections.
 */
function joinStorm(msg: Extract<ToWorker, { type: 'join' }>, mode: Extract<JoinMode, { kind: 'storm' }>, tally: JoinTally): void {
  let waiting = msg.to - msg.from;
  let over = false;
  const end = () => {
    over = true;
    clearTimeout(deadline);
    tally.finish();
  };
  const deadline = setTimeout(() => {
    // Whoever is not welcomed by now failed; later welcomes are ignored.
    for (let i = 0; i < waiting; i++) tally.settle('not welcomed before the timeout');
    end();
  }, Math.max(0, (mode.deadlineUs - nowUs()) / 1000));
  setTimeout(
    () => {
      for (let index = msg.from; index < msg.to; index++) {
        let client: BenchClient | undefined;
        const done = once((err: string | null) => {
          if (over) return;
          tally.settle(err, client?.receiver.session);
          if (err === null && mode.stopReading) client?.stopReading();
          if (--waiting === 0) end();
        });
        client = connect(msg.target, `${msg.prefix}${index}`, () => {}, done);
        clients.set(index, client);
        client.sendName();
      }
    },
    Math.max(0, (mode.startUs - nowUs()) / 1000),
  );
}

function join(msg: Extract<ToWorker, { type: 'join' }>): void {
  const tally = new JoinTally();
  if (msg.to <= msg.from) tally.finish();
  else if (msg.mode.kind === 'batches') joinInBatches(msg, msg.mode.size, tally);
  else joinStorm(msg, msg.mode, tally);
}

function run(msg: Extract<ToWorker, { type: 'run' }>): void {
  stats = new RunStats(msg.run, msg.senderCount, msg.remoteSlots);
  for (const client of clients.values()) client.receiver.reset(msg.run, msg.senderCount);
  const mine = msg.senders
    .map(({ client, slot }) => ({ client: clients.get(client), slot, sent: 0 }))
    .filter((s): s is { client: BenchClient; slot: number; sent: number } => s.client !== undefined);
  const total = Math.floor((msg.ratePerSender * msg.durationMs) / 1000);
  const tick = () => {
    const now = nowUs();
    const due = Math.min(total, Math.floor(((now - msg.startUs) * msg.ratePerSender) / 1e6) + 1);
    let finished = true;
    for (const s of mine) {
      if (s.sent < due) {
        const lines: string[] = [];
        for (; s.sent < due; s.sent++) lines.push(probeLine(msg.run, s.slot, s.sent, now));
        s.client.send(lines);
      }
      if (s.sent < total) finished = false;
    }
    if (finished) {
      clearInterval(timer);
      post({ type: 'sent', sent: mine.map((s) => ({ slot: s.slot, lines: s.sent })) });
    }
  };
  let timer: NodeJS.Timeout | undefined;
  setTimeout(
    () => {
      // Pacing by the clock: a late timer sends what is due, so the offered
      // rate holds even when this process is busy receiving.
      timer = setInterval(tick, 2);
      tick();
    },
    Math.max(0, (msg.startUs - nowUs()) / 1000),
  );
}

process.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'join':
      join(msg);
      return;
    case 'run':
      run(msg);
      return;
    case 'progress':
      post({ type: 'progress', received: stats?.received ?? 0, stale: stats?.stale ?? 0, lastArrivalUs: stats?.lastArrivalUs ?? 0, disconnects });
      return;
    case 'report':
      post({ type: 'report', stats: (stats ?? new RunStats(-1, 0)).toJSON(), disconnects });
      return;
    case 'close':
      closing = true;
      for (const client of clients.values()) client.close();
      clients.clear();
      post({ type: 'closed' });
      return;
  }
});
// The main process is gone (finished, crashed or interrupted): so are we.
process.on('disconnect', () => process.exit(0));
post({ type: 'ready' });
