/**
 * In-process chat servers and clients for the session and label tests:
 * real TCP sockets on ephemeral ports.
 */
import { afterEach } from 'vitest';
import { ChatServer, type ChatServerOptions } from '../../../tcp-server/chat-server.ts';
import { LineClient } from '../../helpers/line-client.ts';

const servers: ChatServer[] = [];
const clients: LineClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

export function track(c: LineClient): LineClient {
  clients.push(c);
  return c;
}

export async function start(options: ChatServerOptions = {}) {
  const server = new ChatServer({ host: '127.0.0.1', port: 0, ...options });
  servers.push(server);
  const { port } = await server.listen();
  return {
    server,
    port,
    connect: async () => track(await LineClient.connect(port)),
    join: async (name: string) => track(await LineClient.join(port, name)),
  };
}

/** A client that opted in to `features` and joined; `token` is null when no `+session` came. */
export interface Resumable {
  client: LineClient;
  token: string | null;
  /** Lines received after `+session`, `+resumed` lines excepted: the count the spec defines. */
  count(): number;
}

function counter(client: LineClient, from: number): () => number {
  return () => client.lines.slice(from).filter((l) => !l.startsWith('+resumed ')).length;
}

export async function joinWith(port: number, name: string, features = 'resume labels'): Promise<Resumable> {
  const client = track(await LineClient.connect(port));
  await client.expect('Digite seu nome:');
  client.send(`/ext ${features}`);
  await client.next((l) => l.startsWith('+ext'));
  client.send(name);
  const first = await client.next();
  if (!first.startsWith('+session ')) {
    if (!first.startsWith('Bem-vindo, ')) throw new Error(`no welcome: ${first}`);
    return { client, token: null, count: () => 0 };
  }
  const at = client.lines.indexOf(first) + 1;
  await client.next((l) => l.startsWith('Bem-vindo, '));
  return { client, token: first.slice('+session '.length), count: counter(client, at) };
}

/** A new connection resuming `token` from `count`; returns it after the `+resumed` or failure line. */
export async function resume(port: number, token: string, count: number, features = 'resume labels') {
  const client = track(await LineClient.connect(port));
  await client.expect('Digite seu nome:');
  client.send(`/ext ${features}`);
  await client.next((l) => l.startsWith('+ext'));
  client.send(`/resume ${token} ${count}`);
  const answer = await client.next();
  return { client, answer };
}

/** A round trip: every line the server sent `c` before this reply has arrived. */
export async function sync(c: LineClient): Promise<void> {
  c.send('/users');
  await c.next((l) => l.startsWith('Online ('));
}

/** Resolves once the server has noticed `c`'s socket is gone (its member detached or left). */
export async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}
