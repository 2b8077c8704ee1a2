/**
 * Sockets the server is done with: whatever the client does, they are
 * closed within CHAT_CLOSE_GRACE_MS, and their place is free at once.
 * Real TCP clients against an in-process ChatServer.
 */
import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatServer, type ChatServerOptions } from '../../tcp-server/chat-server.ts';
import { LineClient } from '../helpers/line-client.ts';

const GRACE_MS = 300;

const servers: ChatServer[] = [];
const sockets: net.Socket[] = [];

async function start(options: ChatServerOptions = {}) {
  const server = new ChatServer({ host: '127.0.0.1', port: 0, closeGraceMs: GRACE_MS, ...options });
  servers.push(server);
  const { port } = await server.listen();
  return { server, port };
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/**
 * A client that never closes its side of the connection, as `nc` does: it
 * keeps reading, and notes when the server's FIN came and when the socket
 * was finally closed.
 */
class StubbornClient {
  text = '';
  private serverEnded = false;
  readonly closed: Promise<void>;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.text += d;
      this.wake();
    });
    socket.on('end', () => {
      this.serverEnded = true;
      this.wake();
    });
    socket.on('error', () => {}); // the reset that closes it
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.wake();
        resolve();
      }),
    );
  }

  static async connect(port: number): Promise<StubbornClient> {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    sockets.push(socket);
    await once(socket, 'connect');
    return new StubbornClient(socket);
  }

  static async join(port: number, name: string): Promise<StubbornClient> {
    const c = await StubbornClient.connect(port);
    c.socket.write(`${name}\n`);
    await c.sees(`Bem-vindo, ${name}!`);
    return c;
  }

  async sees(text: string): Promise<void> {
    while (!this.text.includes(text)) {
      if (this.socket.closed) throw new Error(`closed; got ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Waits for the server's FIN. */
  async ended(): Promise<void> {
    while (!this.serverEnded) {
      if (this.socket.closed) throw new Error('closed before the server ended it');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/**
 * The server sent its FIN, and although the client never closed its side,
 * the server closed the socket: it is gone from the server, and the
 * client's next write meets a reset.
 */
async function expectClosedByServer(server: ChatServer, c: StubbornClient, othersOpen = 0): Promise<void> {
  await c.ended();
  await vi.waitFor(() => expect(server.socketCount).toBe(othersOpen), { timeout: 5000 });
  c.socket.write('ainda aí?\n');
  await c.closed;
}

describe('a socket the server is done with is closed within CHAT_CLOSE_GRACE_MS, whatever the client does', () => {
  it('after /quit', async () => {
    const { port, server } = await start();
    const c = await StubbornClient.join(port, 'ana');
    c.socket.write('/quit\n');
    await expectClosedByServer(server, c);
  });

  it('after /quit at the name prompt', async () => {
    const { port, server } = await start();
    const c = await StubbornClient.connect(port);
    await c.sees('Digite seu nome:\n');
    c.socket.write('/quit\n');
    await expectClosedByServer(server, c);
  });

  it('after the name timeout', async () => {
    const { port, server } = await start({ nameTimeoutMs: 100 });
    const c = await StubbornClient.connect(port);
    await expectClosedByServer(server, c);
    expect(c.text).toBe('Digite seu nome:\nTempo para informar o nome esgotado.\n');
  });

  it('after Servidor cheio', async () => {
    const { port, server } = await start({ maxClients: 1 });
    await StubbornClient.join(port, 'ana');
    const c = await StubbornClient.connect(port);
    await expectClosedByServer(server, c, 1);
    expect(c.text).toBe('Servidor cheio, tente mais tarde.\n');
  });

  it('at shutdown', async () => {
    const { port, server } = await start();
    const named = await StubbornClient.join(port, 'ana');
    const unnamed = await StubbornClient.connect(port);
    await unnamed.sees('Digite seu nome:\n');
    await server.close();
    await expectClosedByServer(server, named);
    await expectClosedByServer(server, unnamed);
    expect(named.text.endsWith('Servidor encerrando.\n')).toBe(true);
    expect(unnamed.text).toBe('Digite seu nome:\nServidor encerrando.\n');
  });

  it('while the client keeps sending after /quit, which nobody receives', async () => {
    const { port, server } = await start();
    const bob = await LineClient.join(port, 'bob');
    const c = await StubbornClient.join(port, 'ana');
    c.socket.write('/quit\n');
    await c.ended();
    c.socket.write('ainda aqui\n');
    await expectClosedByServer(server, c, 1);
    await bob.expect('ana entrou no chat!');
    await bob.expect('ana saiu do chat.');
    bob.send('/users');
    await bob.expect('Online (1): bob');
    bob.close();
  });
});

describe('the place of a socket the server is done with', () => {
  it('is free at once: with CHAT_MAX_CLIENTS=1, a newcomer gets the prompt right after a /quit', async () => {
    // A grace far longer than the test: the place must not wait for it.
    const { port, server } = await start({ maxClients: 1, closeGraceMs: 60_000 });
    const c = await StubbornClient.join(port, 'ana');
    c.socket.write('/quit\n');
    await c.ended();
    const newcomer = await LineClient.connect(port);
    await newcomer.expect('Digite seu nome:');
    newcomer.send('bia');
    await newcomer.expect('Bem-vindo, bia! Online (1): bia');
    expect(server.connectionCount).toBe(1);
    expect(server.socketCount).toBe(2); // ana's socket still lingers, without a place
    newcomer.close();
  });

  it('is free at once after the name timeout', async () => {
    const { port } = await start({ maxClients: 1, nameTimeoutMs: 100, closeGraceMs: 60_000 });
    const c = await StubbornClient.connect(port);
    await c.ended();
    const newcomer = await LineClient.connect(port);
    await newcomer.expect('Digite seu nome:');
    newcomer.close();
  });

  it('a client that closes its side is closed without waiting for the grace', async () => {
    const { port, server } = await start({ closeGraceMs: 60_000 });
    const ana = await LineClient.join(port, 'ana');
    ana.send('/quit');
    await ana.closed; // LineClient closes its side when the server's FIN comes
    await vi.waitFor(() => expect(server.socketCount).toBe(0), { timeout: 5000 });
  });
});
