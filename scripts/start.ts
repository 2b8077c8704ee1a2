/**
 * `npm start`: the chat server and the gateway as two processes (the
 * gateway's own workers, GATEWAY_WORKERS, are its business).
 *
 * Two processes so a gateway crash never takes the chat down: a child that
 * dies on its own after it was up is started again after a short pause (one
 * that cannot even start, say on a busy port, stops everything with its
 * error).
 *
 * Stopping (Ctrl-C, SIGTERM): the chat server first and the gateway only
 * once it has exited, so the chat server's farewell (`Servidor encerrando.`)
 * still reaches every browser through a gateway that is still there (with
 * workers, the gateway's primary passes the stop on to each of them). When
 * the signal reaches the whole process group at once (Ctrl-C in a
 * terminal), the gateway gets it at the same time as the chat server; it
 * then keeps relaying until the chat server has closed its connections
 * (gateway/ws-plugin.ts). The launcher exits once both have, and kills
 * whatever is still running after STOP_DEADLINE_MS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { CHAT_READY_RE, GATEWAY_READY_RE } from '../common/ready-lines.ts';

const RESTART_DELAY_MS = 1000;
/**
 * Everything is gone within 5 s of the signal: the chat server takes at most
 * its 2 s shutdown grace, the gateway at most its close grace after it.
 */
const STOP_DEADLINE_MS = 4500;

interface Child {
  name: string;
  entry: string;
  /** The stdout line that says the child is up. */
  ready: RegExp;
  env: () => NodeJS.ProcessEnv;
  onReady?: (match: RegExpExecArray) => void;
}

let stopping: NodeJS.Signals | null = null;
let exitCode = 0;
let chatPort: string | undefined;
const running = new Map<string, ChildProcess>();
const signalled = new Set<ChildProcess>();

const chat: Child = {
  name: 'tcp-server',
  entry: 'tcp-server/main.ts',
  ready: CHAT_READY_RE,
  // After a restart the chat server keeps the port it had (CHAT_PORT may be 0).
  env: () => (chatPort === undefined ? {} : { CHAT_PORT: chatPort }),
  onReady: (m) => {
    if (chatPort !== undefined || stopping) return;
    chatPort = m[2]!;
    start(gateway);
  },
};
const gateway: Child = {
  name: 'gateway',
  entry: 'gateway/main.ts',
  ready: GATEWAY_READY_RE,
  // The chat server started here, whatever CHAT_SERVERS says (empty: CHAT_HOST:CHAT_PORT).
  // GATEWAY_WORKERS passes through: the gateway then runs that many workers under its primary.
  env: () => ({ CHAT_PORT: chatPort!, CHAT_SERVERS: '' }),
};

function start(spec: Child): void {
  const proc = spawn(process.execPath, ['--import', 'tsx', spec.entry], {
    env: { ...process.env, ...spec.env() },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.set(spec.name, proc);
  let seen = '';
  let up = false;
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    process.stdout.write(chunk);
    if (up) return;
    seen += chunk;
    const m = spec.ready.exec(seen);
    if (m) {
      up = true;
      seen = '';
      spec.onReady?.(m);
    }
  });
  proc.on('exit', (code, signal) => {
    running.delete(spec.name);
    if (stopping) {
      stopNext();
    } else if (up) {
      process.stderr.write(`start: ${spec.name} stopped (${signal ?? `exit code ${code}`}); restarting it\n`);
      setTimeout(() => stopping || start(spec), RESTART_DELAY_MS);
    } else {
      process.stderr.write(`start: ${spec.name} could not start (${signal ?? `exit code ${code}`})\n`);
      stop('SIGTERM', 1);
    }
  });
}

/** Passes the stop on: to the chat server while it runs, then to the gateway. */
function stopNext(): void {
  if (running.size === 0) process.exit(exitCode);
  const next = running.get(chat.name) ?? running.get(gateway.name)!;
  if (signalled.has(next)) return;
  signalled.add(next);
  next.kill(stopping!);
}

function stop(signal: NodeJS.Signals, code = 0): void {
  if (stopping) return;
  stopping = signal;
  exitCode = code;
  setTimeout(() => {
    for (const [name, proc] of running) {
      process.stderr.write(`start: ${name} still running ${STOP_DEADLINE_MS} ms after ${signal}; killing it\n`);
      proc.kill('SIGKILL');
    }
    exitCode = 1;
  }, STOP_DEADLINE_MS).unref();
  stopNext();
}

process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
start(chat);
