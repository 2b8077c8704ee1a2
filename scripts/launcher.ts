/**
 * What `npm start` (scripts/start.ts) and `npm run cluster`
 * (scripts/cluster.ts) have in common: child processes started in order as
 * each says it is up, started again when one that was up stops on its own,
 * and stopped in stages on SIGINT/SIGTERM, each stage once the one before
 * it has exited, everything killed after a deadline.
 *
 * Why stages: `npm run …` dies at once on a group signal while its
 * children live on, and a Ctrl-C reaches the whole group at once; the
 * launcher is what keeps the order (chat servers before the gateway, so the
 * farewell reaches browsers; Redis last) and exits only when its children
 * have.
 */
import { type ChildProcess, spawn } from 'node:child_process';

const RESTART_DELAY_MS = 1000;

export interface ChildSpec {
  name: string;
  /** Program and arguments (each start: a restart may pass other ones). */
  command: () => [string, string[]];
  /** Added to the launcher's environment (each start). */
  env: () => NodeJS.ProcessEnv;
  /** The stdout line that says the child is up. */
  ready: RegExp;
  onReady?: (match: RegExpExecArray) => void;
  /** Its own process group, so a terminal's Ctrl-C does not reach it (it is stopped in its stage). */
  detached?: boolean;
  /** Its output only once it is up (a banner not worth showing); on a failed start it is printed with the error. */
  quietUntilReady?: boolean;
  /** The signal that stops it, whatever signal stopped the launcher. */
  stopSignal?: NodeJS.Signals;
  /** Its stdin a pipe the launcher holds open: it closes when the launcher is gone, even by SIGKILL (orphan-guard.ts). */
  holdStdin?: boolean;
}

export interface LauncherOptions {
  /** Names the launcher in its messages (`start: …`). */
  tag: string;
  /** Each output line of a child after `[name] ` (several children of one kind). */
  prefixOutput: boolean;
  /** The children still running, in the order they stop: the first non-empty stage is stopped first. */
  stopStages: (running: ReadonlySet<ChildSpec>) => ChildSpec[];
  /** After the signal, whatever still runs is killed (exit code 1). */
  stopDeadlineMs: number;
  /** Runs once every child has exited, before the launcher exits. */
  onStopped?: () => void;
}

export class Launcher {
  private stopping: NodeJS.Signals | null = null;
  private exitCode = 0;
  private readonly running = new Map<ChildSpec, ChildProcess>();
  private readonly signalled = new Set<ChildProcess>();

  constructor(private readonly options: LauncherOptions) {
    process.on('SIGINT', () => this.stop('SIGINT'));
    process.on('SIGTERM', () => this.stop('SIGTERM'));
  }

  get isStopping(): boolean {
    return this.stopping !== null;
  }

  isRunning(spec: ChildSpec): boolean {
    return this.running.has(spec);
  }

  pid(spec: ChildSpec): number | undefined {
    return this.running.get(spec)?.pid;
  }

  start(spec: ChildSpec): void {
    const [command, args] = spec.command();
    const proc = spawn(command, args, {
      env: { ...process.env, ...spec.env() },
      stdio: [spec.holdStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: spec.detached ?? false,
    });
    this.running.set(spec, proc);
    let seen = '';
    let up = false;
    const prefix = this.options.prefixOutput ? `[${spec.name}] ` : '';
    const toStdout = prefixLines(prefix, process.stdout);
    const toStderr = prefixLines(prefix, process.stderr);
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (up || !spec.quietUntilReady) toStdout(chunk);
      if (up) return;
      seen += chunk;
      const m = spec.ready.exec(seen);
      if (m) {
        up = true;
        seen = '';
        spec.onReady?.(m);
      }
    });
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      if (!up && spec.quietUntilReady) seen += chunk;
      else toStderr(chunk);
    });
    proc.on('error', (error) => this.say(`cannot run ${spec.name} (${error.message})`));
    proc.on('exit', (code, signal) => {
      if (this.running.get(spec) === proc) this.running.delete(spec);
      const how = signal ?? `exit code ${code}`;
      if (this.stopping) {
        this.stopNext();
      } else if (up) {
        this.say(`${spec.name} stopped (${how}); restarting it`);
        setTimeout(() => this.stopping || this.start(spec), RESTART_DELAY_MS);
      } else {
        this.say(`${spec.name} could not start (${how})${spec.quietUntilReady && seen !== '' ? `\n${seen.trimEnd()}` : ''}`);
        this.stop('SIGTERM', 1);
      }
    });
  }

  stop(signal: NodeJS.Signals, code = 0): void {
    if (this.stopping) return;
    this.stopping = signal;
    this.exitCode = code;
    setTimeout(() => {
      for (const [spec, proc] of this.running) {
        this.say(`${spec.name} still running ${this.options.stopDeadlineMs} ms after ${signal}; killing it`);
        proc.kill('SIGKILL');
      }
      this.exitCode = 1;
    }, this.options.stopDeadlineMs).unref();
    this.stopNext();
  }

  /** Passes the stop on to the first stage that still runs. */
  private stopNext(): void {
    if (this.running.size === 0) {
      this.options.onStopped?.();
      process.exit(this.exitCode);
    }
    for (const spec of this.options.stopStages(new Set(this.running.keys()))) {
      const proc = this.running.get(spec);
      if (proc === undefined || this.signalled.has(proc)) continue;
      this.signalled.add(proc);
      proc.kill(spec.stopSignal ?? this.stopping!);
    }
  }

  private say(message: string): void {
    process.stderr.write(`${this.options.tag}: ${message}\n`);
  }
}

/** The chat server or gateway of this checkout, run with tsx. */
export function nodeEntry(entry: string): () => [string, string[]] {
  return () => [process.execPath, ['--import', 'tsx', entry]];
}

/** Writes whole lines, each after `prefix`, whatever the chunks. */
function prefixLines(prefix: string, stream: NodeJS.WriteStream): (chunk: string) => void {
  if (prefix === '') return (chunk) => void stream.write(chunk);
  let partial = '';
  return (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    if (lines.length > 0) stream.write(lines.map((l) => prefix + l + '\n').join(''));
  };
}
