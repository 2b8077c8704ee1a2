/**
 * Real `redis-server` processes for tests, on ephemeral loopback ports
 * (redis-server has no `--port 0`: a free port is found by binding to port
 * 0 and closing, and the start is retried on another port if someone took
 * it meanwhile). Killed by pid; `killAllRedis` in afterAll leaves nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_READY_RE, freePort, redisServerArgs } from '../../common/redis-server.ts';

export { freePort };

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** Where it keeps its data (the append-only file when `persist`). */
  readonly dir: string;
  /** Sends `signal` (SIGKILL by default: a crash) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and folder: with its data when `persist`, else empty. */
  restart(): Promise<void>;
  /** Kills it and removes its folder. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
const folders = new Set<string>();

/**
 * `persist`: every write goes to an append-only file before Redis answers
 * (appendfsync always), so a `kill -9` and a restart bring back all it acknowledged.
 */
export async function startRedis({ persist = false }: { persist?: boolean } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-redis-'));
  folders.add(dir);
  let proc: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 5 && proc === undefined; attempt++) {
    port = await freePort();
    proc = await launch(port, dir, persist).catch(() => undefined);
  }
  if (proc === undefined) throw new Error('redis-server would not start (see above)');
  let current: ChildProcess = proc;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return current.pid!;
    },
    dir,
    async kill(signal = 'SIGKILL') {
      await killProcess(current, signal);
    },
    async restart() {
      await killProcess(current, 'SIGKILL');
      // The port was ours a moment ago; a few tries cover a slow release.
      for (let attempt = 0; ; attempt++) {
        try {
          current = await launch(port, dir, persist);
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async stop() {
      await killProcess(current, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      folders.delete(dir);
    },
  };
}

async function launch(port: number, dir: string, persist: boolean): Promise<ChildProcess> {
  const proc = spawn('redis-server', redisServerArgs({ port, dir, persist, fsync: persist }), { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  proc.on('exit', () => live.delete(proc));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: string) => {
      out += chunk;
      if (REDIS_READY_RE.test(out)) {
        proc.stdout!.off('data', onData);
        proc.stdout!.resume();
        resolve();
      }
    };
    proc.stdout!.setEncoding('utf8').on('data', onData);
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    proc.once('exit', (code, signal) => reject(new Error(`redis-server exited (${signal ?? code}) before it was ready:\n${out}`)));
  });
  return proc;
}

async function killProcess(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill(signal);
  await exited;
}

/** For afterAll: every redis-server still running is killed, every folder removed. */
export function killAllRedis(): void {
  for (const proc of live) proc.kill('SIGKILL');
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}
