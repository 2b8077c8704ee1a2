/**
 * The processes a benchmark run starts (the server under test, the
 * baseline, the gateway, the load-generator workers), their CPU and memory
 * as the kernel reports them, and stopping them: by process id / group,
 * always, even when the run fails or is interrupted.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
/** Kernel clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;
/** How long a process gets to exit on SIGTERM before SIGKILL (writing a CPU profile takes a while). */
const STOP_GRACE_MS = 30_000;
/** How long a process gets to print its ready line. */
const START_TIMEOUT_MS = 30_000;
/** Output kept per process, for error messages. */
const KEEP_OUTPUT = 8192;

const live = new Set<ChildProcess>();
/** Clean-ups that go with the processes (their temporary databases). */
const afterKill: Array<() => void> = [];

/** Runs `cleanUp` whenever killEverything does, after the kills (synchronous: it may run in an exit handler). */
export function onEverythingKilled(cleanUp: () => void): void {
  afterKill.push(cleanUp);
}

/** Kills every process group still running; safe to call from an exit handler. */
export function killEverything(): void {
  for (const proc of live) {
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      try {
        proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  live.clear();
  for (const cleanUp of afterKill) {
    try {
      cleanUp();
    } catch {
      // an exit handler must not throw; what is left is in the OS's temp folder
    }
  }
}

let handlersInstalled = false;
/** Ctrl-C, SIGTERM, a crash or a normal exit: nothing started here outlives us. */
export function installCleanup(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killEverything);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killEverything();
      process.stderr.write(`\nbench: interrupted (${signal}); stopped everything it started\n`);
      process.exit(130);
    });
  }
}

export interface Service {
  readonly name: string;
  readonly pid: number;
  /** Sends SIGTERM to its group, then SIGKILL if it lingers; resolves on exit. */
  stop(): Promise<void>;
  readonly output: () => string;
  /** Its resident memory now, in bytes (with its children: a gateway's cluster workers). */
  rssNow(): number;
  /** Its process id and its descendants' now (a gateway's cluster workers). */
  pids(): number[];
}

/** `pid` and every process below it, from /proc/<pid>/task/<tid>/children. */
export function processTree(pid: number): number[] {
  const all: number[] = [];
  const visit = (p: number) => {
    all.push(p);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return; // gone
    }
    for (const tid of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of children.split(' ')) if (c.trim() !== '') visit(Number(c));
    }
  };
  visit(pid);
  return all;
}

/**
 * Starts a TypeScript entry of this repo as `node --import tsx <entry>`, in
 * its own process group, and waits until stdout matches `ready`.
 */
export function startService(
  name: string,
  entry: string,
  env: Record<string, string>,
  ready: RegExp,
  nodeArgs: string[] = [],
): Promise<{ service: Service; match: RegExpMatchArray }> {
  return startProcess(name, process.execPath, [...nodeArgs, '--import', 'tsx', entry], env, ready);
}

/**
 * Starts `command` (a redis-server, a node entry), in its own process
 * group, and waits until stdout matches `ready`; killEverything stops it
 * with the rest.
 */
export async function startProcess(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ service: Service; match: RegExpMatchArray }> {
  const proc = spawn(command, args, {
    cwd: REPO,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  // A command that cannot start at all (not installed) emits 'error' and never 'exit'.
  let spawnError = '';
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.on('error', (error) => {
      spawnError = `${error.message}\n`;
      if (proc.pid === undefined) resolve();
    });
  }).then(() => live.delete(proc));
  let head = '';
  let tail = '';
  let match: RegExpMatchArray | null = null;
  let wake: () => void = () => {};
  const keep = (d: string) => {
    // The head holds the ready line; the tail the last words of a crash.
    if (head.length < KEEP_OUTPUT) head += d.slice(0, KEEP_OUTPUT - head.length);
    tail = (tail + d).slice(-KEEP_OUTPUT);
  };
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    keep(d);
    if (match === null) {
      match = head.match(ready);
      if (match !== null) wake();
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', keep);
  const output = () => spawnError + (head === tail ? head : `${head}\n…\n${tail}`);
  const service: Service = {
    name,
    pid: proc.pid!,
    output,
    rssNow: () => processTree(proc.pid!).reduce((sum, pid) => sum + rssBytes(pid), 0),
    pids: () => processTree(proc.pid!),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        try {
          process.kill(-proc.pid!, 'SIGTERM');
        } catch {
          // gone
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-proc.pid!, 'SIGKILL');
          } catch {
            // gone
          }
        }, STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms:\n${output()}`)), START_TIMEOUT_MS);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready:\n${output()}`));
    });
    if (match !== null) wake();
  }).catch(async (error: unknown) => {
    await service.stop();
    throw error;
  });
  return { service, match: match! };
}

/** CPU seconds (user + system) a process used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Resident memory of a process, in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** A load-generator worker process and its IPC channel. */
export class Worker {
  private readonly proc: ChildProcess;
  private waiters: Array<{ type: FromWorker['type']; resolve: (m: FromWorker) => void }> = [];
  private readonly exited: Promise<unknown>;
  onMessage: ((m: FromWorker) => void) | null = null;

  constructor(readonly id: number) {
    this.proc = fork(fileURLToPath(new URL('./worker.ts', import.meta.url)), [], {
      cwd: REPO,
      execArgv: ['--import', 'tsx'],
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    live.add(this.proc);
    this.exited = once(this.proc, 'exit').then(() => live.delete(this.proc));
    this.proc.on('message', (m: FromWorker) => {
      this.onMessage?.(m);
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i !== -1) this.waiters.splice(i, 1)[0]!.resolve(m);
    });
    void this.exited.then(() => {
      for (const w of this.waiters.splice(0)) w.resolve({ type: 'closed' });
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  send(message: ToWorker): void {
    this.proc.send(message);
  }

  /** Resolves with the next message of `type` (or 'closed' if the worker dies). */
  next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        reject(new Error(`load-generator worker ${this.id} exited`));
        return;
      }
      this.waiters.push({
        type,
        resolve: (m) => {
          if (m.type !== type) reject(new Error(`load-generator worker ${this.id} exited`));
          else resolve(m as Extract<FromWorker, { type: T }>);
        },
      });
    });
  }

  async request<T extends FromWorker['type']>(message: ToWorker, reply: T): Promise<Extract<FromWorker, { type: T }>> {
    const answer = this.next(reply);
    this.send(message);
    return answer;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    try {
      process.kill(-this.proc.pid!, 'SIGKILL');
    } catch {
      // gone
    }
    await this.exited;
  }
}
