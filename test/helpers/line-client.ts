/**
 * A real TCP chat client for tests: connects, collects every line the server
 * sends, and lets a test wait for the line it expects.
 */
import net from 'node:net';
import { once } from 'node:events';

export class LineClient {
  readonly lines: string[] = [];
  /** Index of the next line `next()` returns. */
  private cursor = 0;
  private partial = '';
  private waiters: Array<() => void> = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop()!;
      this.lines.push(...parts);
      this.wake();
    });
    socket.on('error', () => {});
    this.closed = once(socket, 'close').then(() => this.wake());
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<LineClient> {
    const socket = net.connect({ port, host });
    await once(socket, 'connect');
    return new LineClient(socket);
  }

  /** Connects, waits for the prompt, sends the name and waits for the welcome. */
  static async join(port: number, name: string): Promise<LineClient> {
    const client = await LineClient.connect(port);
    await client.expect('Digite seu nome:');
    client.send(name);
    await client.next((l) => l.startsWith('Bem-vindo, '));
    return client;
  }

  /** Joins as `join` does, after opting in to history ids (`/ext ids`, the page's way: docs/PROTOCOL.md, Extensions). */
  static async joinWithIds(port: number, name: string): Promise<LineClient> {
    const client = await LineClient.connect(port);
    await client.expect('Digite seu nome:');
    client.send('/ext ids');
    await client.expect('+ext ids');
    client.send(name);
    await client.next((l) => l.startsWith('Bem-vindo, '));
    return client;
  }

  get isClosed(): boolean {
    return this.socket.closed;
  }

  send(line: string): void {
    this.socket.write(line + '\n');
  }

  write(raw: string | Buffer): void {
    this.socket.write(raw);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `n` more lines than now exist or the socket closes. */
  private waitForChange(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * The next unread line; with a predicate, skips to the first unread line
   * matching it. Rejects if the connection closes first.
   */
  async next(match?: (line: string) => boolean): Promise<string> {
    for (;;) {
      while (this.cursor < this.lines.length) {
        const line = this.lines[this.cursor++]!;
        if (!match || match(line)) return line;
      }
      if (this.isClosed) throw new Error(`connection closed; lines were:\n${this.lines.join('\n')}`);
      await this.waitForChange();
    }
  }

  /** Asserts that the next unread line is exactly `line`. */
  async expect(line: string): Promise<void> {
    const got = await this.next();
    if (got !== line) throw new Error(`expected ${JSON.stringify(line)}, got ${JSON.stringify(got)}`);
  }

  /** Reads until the server closes; returns the lines not read yet. */
  async rest(): Promise<string[]> {
    await this.closed;
    const rest = this.lines.slice(this.cursor);
    this.cursor = this.lines.length;
    return rest;
  }

  /** Waits until `count` lines have arrived in total. */
  async waitForCount(count: number): Promise<void> {
    while (this.lines.length < count) {
      if (this.isClosed) throw new Error(`closed after ${this.lines.length} of ${count} lines`);
      await this.waitForChange();
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * `talker` sends 1,000-byte lines in batches well under any send queue, each
 * batch read by `listener` before the next, until `listener` sees `name`
 * leave (a slow reader cut off) or `maxLines` were sent. Returns whether
 * the leave came. `afterBatch` runs after each batch (to sample state).
 */
export async function talkUntilLeave(
  talker: LineClient,
  listener: LineClient,
  name: string,
  { maxLines = 100_000, afterBatch = () => {} }: { maxLines?: number; afterBatch?: () => void } = {},
): Promise<boolean> {
  const line = 'x'.repeat(1000);
  const leave = `${name} saiu do chat.`;
  const base = listener.lines.length;
  let sent = 0;
  while (!listener.lines.includes(leave) && sent < maxLines) {
    for (let i = 0; i < 32; i++) talker.send(line);
    sent += 32;
    await listener.waitForCount(base + sent);
    afterBatch();
  }
  return listener.lines.includes(leave);
}
