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

function connectTcp(target: Extract<Target, { kind: 'tcp' }>, index: number, name: string, done: (err: string | null) => void): BenchClient {
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
  let settled = false;
  const settle = (err: string | null) => {
    if (settled) return;
    settled = true;
    done(err);
  };
  receiver.onJoined = () => settle(null);
  socket.on('connect', () => socket.write(name + '\n'));
  socket.on('error', (err) => settle(err.message));
  socket.on('close', () => {
    settle('closed before the welcome');
    onUnexpectedClose();
  });
  return {
    index,
    receiver,
    send(lines) {
      socket.write(lines.join('\n') + '\n');
    },
    close() {
      socket.destroy();
    },
  };
}

function connectWs(target: Extract<Target, { kind: 'ws' }>, index: number, name: string, done: (err: string | null) => void): BenchClient {
  const receiver = new Receiver();
  const ws = new WebSocket(target.url, { headers: { Origin: target.origin }, perMessageDeflate: false });
  let settled = false;
  const settle = (err: string | null) => {
    if (settled) return;
    settled = true;
    done(err);
  };
  receiver.onJoined = () => settle(null);
  ws.on('open', () => ws.send(name));
  ws.on('message', (data: Buffer) => receiver.onFrame(data, stats, nowUs()));
  ws.on('error', (err) => settle(err.message));
  ws.on('close', () => {
    settle('closed before the welcome');
    onUnexpectedClose();
  });
  return {
    index,
    receiver,
    send(lines) {
      // The protocol over WebSocket: one text frame per line.
      for (const line of lines) ws.send(line);
    },
    close() {
      ws.terminate();
    },
  };
}

function join(msg: Extract<ToWorker, { type: 'join' }>): void {
  let next = msg.from;
  let inFlight = 0;
  let joined = 0;
  let failed = 0;
  let firstError: string | null = null;
  const progress = setInterval(() => post({ type: 'join-progress', joined }), 500);
  const startOne = () => {
    const index = next++;
    inFlight++;
    const name = `${msg.prefix}${index}`;
    const onDone = (err: string | null) => {
      inFlight--;
      if (err === null) joined++;
      else {
        failed++;
        firstError ??= err;
      }
      pump();
    };
    const client = msg.target.kind === 'tcp' ? connectTcp(msg.target, index, name, onDone) : connectWs(msg.target, index, name, onDone);
    clients.set(index, client);
  };
  const pump = () => {
    while (inFlight < msg.concurrency && next < msg.to) startOne();
    if (inFlight === 0 && next >= msg.to) {
      clearInterval(progress);
      post({ type: 'joined', joined, failed, firstError });
    }
  };
  pump();
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
      post({ type: 'progress', received: stats?.received ?? 0, lastArrivalUs: stats?.lastArrivalUs ?? 0, disconnects });
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
