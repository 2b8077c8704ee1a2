/**
 * A load-generator worker (a child process of bench/main.ts): holds a slice
 * of the clients, each a real TCP socket or a real WebSocket, sends probe
 * lines for the senders among them and checks every line received.
 */
import net from 'node:net';
import WebSocket from 'ws';
import { Receiver, RunStats, nowUs, probeLine } from './probe.ts';
import type { FromWorker, Target, ToWorker } from './worker-protocol.ts';

interface BenchClient {
  readonly index: number;
  readonly receiver: Receiver;
  /** Sends the name line: the client then waits for its welcome. */
  sendName(): void;
  /** Sends lines (each without LF), as one write where the transport allows. */
  send(lines: string[]): void;
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

/** Reports the prompt (`connected`) and the welcome (`done`) once each, or why they never came. */
function trackJoin(conn: NodeJS.EventEmitter, receiver: Receiver, connected: Done, done: Done): void {
  let settled = false;
  const settle = (err: string | null) => {
    if (settled) return;
    settled = true;
    done(err);
  };
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

function connectTcp(target: Extract<Target, { kind: 'tcp' }>, index: number, name: string, connected: Done, done: Done): BenchClient {
  const receiver = new Receiver();
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
  trackJoin(socket, receiver, connected, done);
  return {
    index,
    receiver,
    sendName() {
      socket.write(name + '\n');
    },
    send(lines) {
      socket.write(lines.join('\n') + '\n');
    },
    close() {
      socket.destroy();
    },
  };
}

function connectWs(target: Extract<Target, { kind: 'ws' }>, index: number, name: string, connected: Done, done: Done): BenchClient {
  const receiver = new Receiver();
  const ws = new WebSocket(target.url, { headers: { Origin: target.origin }, perMessageDeflate: false });
  ws.on('message', (data: Buffer) => receiver.onFrame(data, stats, nowUs()));
  trackJoin(ws, receiver, connected, done);
  return {
    index,
    receiver,
    sendName() {
      ws.send(name);
    },
    send(lines) {
      // The protocol over WebSocket: one text frame per line.
      for (const line of lines) ws.send(line);
    },
    close() {
      ws.terminate();
    },
  };
}

/**
 * Joins in batches: a batch connects and waits for the prompt (the server
 * has accepted each connection), then every client of it sends its name
 * in the same tick, so the server sees the batch's names together and the
 * join notices to everyone online go out batched (as when many people
 * arrive at once) rather than one storm per joiner. Each client waits for
 * its own welcome.
 */
function join(msg: Extract<ToWorker, { type: 'join' }>): void {
  let joined = 0;
  let failed = 0;
  let firstError: string | null = null;
  const progress = setInterval(() => post({ type: 'join-progress', joined }), 500);
  const batch = (from: number) => {
    if (from >= msg.to) {
      clearInterval(progress);
      post({ type: 'joined', joined, failed, firstError });
      return;
    }
    const to = Math.min(msg.to, from + msg.concurrency);
    const members: BenchClient[] = [];
    let connecting = to - from;
    let waiting = to - from;
    const onConnected = (client: () => BenchClient | undefined) => {
      let once = false;
      return (err: string | null) => {
        if (once) return;
        once = true;
        const c = client();
        if (err === null && c !== undefined) members.push(c);
        if (--connecting === 0) for (const m of members) m.sendName();
      };
    };
    const onDone = () => {
      let once = false;
      return (err: string | null) => {
        if (once) return;
        once = true;
        if (err === null) joined++;
        else {
          failed++;
          firstError ??= err;
        }
        if (--waiting === 0) batch(to);
      };
    };
    for (let index = from; index < to; index++) {
      const name = `${msg.prefix}${index}`;
      let client: BenchClient | undefined;
      const connected = onConnected(() => client);
      const done = onDone();
      client =
        msg.target.kind === 'tcp'
          ? connectTcp(msg.target, index, name, connected, done)
          : connectWs(msg.target, index, name, connected, done);
      clients.set(index, client);
    }
  };
  batch(msg.from);
}

function run(msg: Extract<ToWorker, { type: 'run' }>): void {
  stats = new RunStats(msg.run, msg.senderCount);
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
