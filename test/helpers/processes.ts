/**
 * Starts the product's real processes on ephemeral loopback ports, exactly as
 * `npm run tcp-server` / `npm run gateway` would, and stops them by process
 * group so nothing outlives a test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { CHAT_READY_RE, GATEWAY_READY_RE } from '../../common/ready-lines.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningProcess {
  proc: ChildProcess;
  /** Everything the process wrote to stdout so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the first stdout match of `re`, waiting as long as needed. */
  waitForOutput(re: RegExp): Promise<RegExpMatchArray>;
  /** Sends `signal` to the process group and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a TypeScript entry point of this repo with tsx, in its own process group. */
export function runScript(entry: string, env: Record<string, string> = {}): RunningProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: REPO,
    env: { ...process.env, ...env },
    detached: true, // its own group, so stop() reaches its children too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  live.add(proc);
  void exited.then(() => live.delete(proc));

  return {
    proc,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitForOutput(re) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = stdout.match(re);
          if (m) return resolve(m);
          if (proc.exitCode !== null || proc.signalCode !== null) {
            return reject(new Error(`${entry} exited before printing ${re}:\n${stdout}\n${stderr}`));
          }
          waiters.push(check);
        };
        void exited.then(() => setImmediate(check));
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) {
        try {
          process.kill(-proc.pid!, signal);
        } catch {
          // already gone
        }
      }
      const [code, sig] = await exited;
      return { code, signal: sig };
    },
  };
}

const live = new Set<ChildProcess>();
/** Last resort for a failed test: kill every group still running. */
export function killAll(): void {
  for (const proc of live) {
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

export interface TcpServerProcess extends RunningProcess {
  port: number;
}

/**
 * `npm run tcp-server` on an ephemeral port; resolves once it listens.
 * History is in memory unless `env` names a CHAT_DB: servers of parallel
 * tests must not share (or leave behind) the default data/chat.db.
 */
export async function startTcpServer(env: Record<string, string> = {}): Promise<TcpServerProcess> {
  const run = runScript('tcp-server/main.ts', { CHAT_HOST: '127.0.0.1', CHAT_PORT: '0', CHAT_DB: ':memory:', ...env });
  const [, , port] = await run.waitForOutput(CHAT_READY_RE);
  return Object.assign(run, { port: Number(port) });
}

export interface GatewayProcess extends RunningProcess {
  port: number;
  /** The page's address, e.g. http://localhost:41234 */
  url: string;
  /** The WebSocket endpoint, e.g. ws://localhost:41234/ws */
  wsUrl: string;
}

/** `npm run gateway` on an ephemeral port in front of the chat server at `chatPort`. */
export async function startGateway({
  chatPort,
  env = {},
}: {
  chatPort: number;
  env?: Record<string, string>;
}): Promise<GatewayProcess> {
  const run = runScript('gateway/main.ts', {
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    CHAT_HOST: '127.0.0.1',
    CHAT_PORT: String(chatPort),
    LOG_LEVEL: 'warn',
    ...env,
  });
  const [, , host, port] = await run.waitForOutput(GATEWAY_READY_RE);
  const url = `http://${host}:${port}`;
  return Object.assign(run, { port: Number(port), url, wsUrl: `ws://${host}:${port}/ws` });
}
