/**
 * A person at a terminal running `nc 127.0.0.1 PORT` (netcat-openbsd).
 */
import { type ChildProcess, spawn } from 'node:child_process';

const running = new Set<ChildProcess>();

export interface Netcat {
  readonly screen: string;
  type(line: string): void;
  /** Ctrl-D: the end of what the user types (nc also exits by itself once the server has closed the connection). */
  hangUp(): void;
  /** Waits until the terminal shows `text`. */
  sees(text: string): Promise<void>;
  exited: Promise<void>;
}

export function netcat(port: number, host = '127.0.0.1'): Netcat {
  const proc = spawn('nc', [host, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  running.add(proc);
  proc.stdin!.on('error', () => {}); // EPIPE once nc is gone
  let screen = '';
  const waiters: Array<() => void> = [];
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    screen += d;
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<void>((resolve) =>
    proc.on('exit', () => {
      running.delete(proc);
      for (const w of waiters.splice(0)) w();
      resolve();
    }),
  );
  return {
    get screen() {
      return screen;
    },
    type(line) {
      proc.stdin!.write(line + '\n');
    },
    hangUp() {
      proc.stdin!.end();
    },
    async sees(text) {
      while (!screen.includes(text)) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`nc exited; screen:\n${screen}`);
        await new Promise<void>((r) => waiters.push(r));
      }
    },
    exited,
  };
}

/** Kills every nc still running (for afterAll / afterEach). */
export function killNetcats(): void {
  for (const proc of running) proc.kill('SIGKILL');
}
