/**
 * `npm start`: the chat server and the gateway as two processes.
 *
 * Two processes so a gateway crash never takes the chat down: a child that
 * dies on its own after it was up is started again after a short pause (one
 * that cannot even start, say on a busy port, stops everything with its
 * error). Ctrl-C or SIGTERM is passed to both, and this launcher exits only
 * once both have.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { CHAT_READY_RE, GATEWAY_READY_RE } from '../common/ready-lines.ts';

const RESTART_DELAY_MS = 1000;

interface Child {
  name: string;
  entry: string;
  /** The stdout line that says the child is up. */
  ready: RegExp;
  env: () => NodeJS.ProcessEnv;
  onReady?: (match: RegExpExecArray) => void;
}

let stopping = false;
let exitCode = 0;
let chatPort: string | undefined;
const running = new Map<string, ChildProcess>();

const chat: Child = {
  name: 'tcp-server',
  entry: 'tcp-server/main.ts',
  ready: CHAT_READY_RE,
  // After a restart the chat server keeps the port it had (CHAT_PORT may be 0).
  env: () => (chatPort === undefined ? {} : { CHAT_PORT: chatPort }),
  onReady: (m) => {
    if (chatPort !== undefined) return;
    chatPort = m[2]!;
    start(gateway);
  },
};
const gateway: Child = {
  name: 'gateway',
  entry: 'gateway/main.ts',
  ready: GATEWAY_READY_RE,
  env: () => ({ CHAT_PORT: chatPort! }),
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
      if (running.size === 0) process.exit(exitCode);
    } else if (up) {
      process.stderr.write(`start: ${spec.name} stopped (${signal ?? `exit code ${code}`}); restarting it\n`);
      setTimeout(() => stopping || start(spec), RESTART_DELAY_MS);
    } else {
      process.stderr.write(`start: ${spec.name} could not start (${signal ?? `exit code ${code}`})\n`);
      stop('SIGTERM', 1);
    }
  });
}

function stop(signal: NodeJS.Signals, code = 0): void {
  if (!stopping) exitCode = code;
  stopping = true;
  if (running.size === 0) process.exit(exitCode);
  for (const proc of running.values()) proc.kill(signal);
}

process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
start(chat);
