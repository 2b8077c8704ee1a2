/**
 * A browser stand-in for tests: a real WebSocket (the `ws` package) that
 * collects every frame and lets a test wait for what it expects.
 */
import WebSocket from 'ws';

export interface Closed {
  code: number;
  reason: string;
}

export class WsClient {
  readonly frames: string[] = [];
  private cursor = 0;
  private waiters: Array<() => void> = [];
  readonly closed: Promise<Closed>;
  readonly opened: Promise<void>;
  /** The HTTP status when the handshake was refused. */
  refusedWith: number | null = null;

  constructor(
    url: string,
    origin: string | null,
    options: WebSocket.ClientOptions = {},
  ) {
    this.ws = new WebSocket(url, { ...(origin ? { origin } : {}), ...options });
    this.ws.on('message', (data, isBinary) => {
      this.frames.push(isBinary ? `<binary ${(data as Buffer).length}>` : data.toString());
      this.wake();
    });
    this.ws.on('error', () => {});
    this.ws.on('unexpected-response', (_req, res) => {
      this.refusedWith = res.statusCode ?? null;
      res.resume();
      this.ws.terminate(); // with this listener, ending the refused handshake is ours to do
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('close', () => reject(new Error(`closed before open (HTTP ${this.refusedWith})`)));
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      }),
    );
  }

  readonly ws: WebSocket;

  static async join(url: string, origin: string, name: string): Promise<WsClient> {
    const c = new WsClient(url, origin);
    await c.expect('Digite seu nome:');
    c.send(name);
    await c.next((f) => f.startsWith('Bem-vindo, '));
    return c;
  }

  get isClosed(): boolean {
    return this.ws.readyState === WebSocket.CLOSED;
  }

  send(text: string): void {
    this.ws.send(text);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async next(match?: (frame: string) => boolean): Promise<string> {
    for (;;) {
      while (this.cursor < this.frames.length) {
        const f = this.frames[this.cursor++]!;
        if (!match || match(f)) return f;
      }
      if (this.isClosed) throw new Error(`socket closed; frames were:\n${this.frames.join('\n')}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async expect(frame: string): Promise<void> {
    const got = await this.next();
    if (got !== frame) throw new Error(`expected ${JSON.stringify(frame)}, got ${JSON.stringify(got)}`);
  }

  async waitForCount(count: number): Promise<void> {
    while (this.frames.length < count) {
      if (this.isClosed) throw new Error(`closed after ${this.frames.length} of ${count} frames`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  close(): void {
    this.ws.terminate();
  }
}
