/**
 * A chat client over a real TCP socket for the bench's request/answer
 * timings (`/history`, `/since`): it sends a line and collects the answer's
 * lines until the one that ends it, timing from the write to the arrival of
 * that last line. Lines outside a request (a join notice) are ignored.
 */
import net from 'node:net';
import { once } from 'node:events';

/** Longest wait for any answer: a server that does not answer fails the run instead of hanging it. */
const ANSWER_TIMEOUT_MS = 30_000;

export interface Answer {
  /** The lines collected (without LF), the last one included. */
  lines: string[];
  /** From the write of the request to the arrival of the last line. */
  ms: number;
  /** When the last line arrived (performance.now()). */
  arrivedAt: number;
}

interface Pending {
  /** Whether a line belongs to the answer (others are ignored). */
  keep: (line: string) => boolean;
  /** Whether a kept line ends the answer. */
  last: (line: string) => boolean;
  lines: string[];
  started: number;
  resolve: (answer: Answer) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class LineClient {
  private rest = '';
  private pending: Pending | null = null;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => {}); // 'close' follows and fails what is pending
    socket.on('close', () => {
      this.closed = true;
      this.fail(new Error('the server closed the connection'));
    });
  }

  static async connect(port: number): Promise<LineClient> {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    await once(socket, 'connect');
    return new LineClient(socket);
  }

  /**
   * Sends `request` (a line without LF, or several in one write) and resolves
   * with the answer: the lines for which `keep` holds, up to the first one
   * for which `last` holds.
   */
  request(request: string | readonly string[], keep: (line: string) => boolean, last: (line: string) => boolean): Promise<Answer> {
    if (this.pending !== null) throw new Error('one request at a time');
    if (this.closed) return Promise.reject(new Error('the connection is closed'));
    const lines = typeof request === 'string' ? [request] : request;
    return new Promise<Answer>((resolve, reject) => {
      const what = lines.length === 1 ? `"${lines[0]}"` : `${lines.length} lines`;
      const timer = setTimeout(() => this.fail(new Error(`no answer to ${what} within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
      this.pending = { keep, last, lines: [], started: performance.now(), resolve, reject, timer };
      this.socket.write(lines.join('\n') + '\n');
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    // The clock is read once per chunk, before any line of it is looked at.
    const now = performance.now();
    const text = this.rest + chunk;
    let start = 0;
    for (let lf = text.indexOf('\n'); lf !== -1; lf = text.indexOf('\n', start)) {
      const line = text.slice(start, lf);
      start = lf + 1;
      const p = this.pending;
      if (p === null || !p.keep(line)) continue;
      p.lines.push(line);
      if (p.last(line)) {
        this.pending = null;
        clearTimeout(p.timer);
        p.resolve({ lines: p.lines, ms: now - p.started, arrivedAt: now });
      }
    }
    this.rest = text.slice(start);
  }

  private fail(error: Error): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    clearTimeout(p.timer);
    p.reject(error);
  }
}
