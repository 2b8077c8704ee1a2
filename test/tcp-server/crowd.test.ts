/**
 * Crowds: many members at once, each a real TCP socket on loopback against
 * an in-process ChatServer. Sizes are bounded so the suite stays cheap.
 */
import net from 'node:net';
import { once } from 'node:events';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ChatServer, type ChatServerOptions } from '../../tcp-server/chat-server.ts';
import { LineClient } from '../helpers/line-client.ts';
import { type TcpServerProcess, killAll, startTcpServer } from '../helpers/processes.ts';

const servers: ChatServer[] = [];
const sockets: net.Socket[] = [];
const clients: LineClient[] = [];
const processes: TcpServerProcess[] = [];

async function start(options: ChatServerOptions = {}) {
  const server = new ChatServer({ host: '127.0.0.1', port: 0, ...options });
  servers.push(server);
  const { port } = await server.listen();
  return { server, port };
}

afterEach(async () => {
  // The server first: a shutdown announces no leaves, so the crowd's sockets
  // are not sent thousands of them on the way out.
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(processes.splice(0).map((p) => p.stop()));
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of clients.splice(0)) c.close();
});

/** A member that keeps everything it receives; `paused` ones stop reading once welcomed. */
interface Member {
  socket: net.Socket;
  name: string;
  text: string;
  /** Its place in the room: the count in its welcome. */
  rank: number;
}

/**
 * `count` clients connect at once and send their name without waiting for
 * the prompt; resolves when all are welcomed. `keep`: keep what they receive
 * (otherwise it is read and dropped). `pause(i)`: member i stops reading
 * once welcomed (its socket backs up).
 */
async function crowd(
  port: number,
  count: number,
  { keep = false, pause = () => false }: { keep?: boolean; pause?: (i: number) => boolean } = {},
): Promise<Member[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      sockets.push(socket);
      socket.on('error', () => {});
      await once(socket, 'connect');
      const member: Member = { socket, name: `m${i}`, text: '', rank: 0 };
      socket.setEncoding('utf8');
      socket.write(`${member.name}\n`);
      await new Promise<void>((resolve, reject) => {
        let welcomed = false;
        socket.on('data', (d: string) => {
          if (welcomed && !keep) return;
          member.text += d;
          if (welcomed) return;
          const m = member.text.match(/Bem-vindo, m\d+! Online \((\d+)\):[^\n]*\n/);
          if (m === null) return;
          welcomed = true;
          member.rank = Number(m[1]);
          if (!keep) member.text = '';
          if (pause(i)) socket.pause();
          resolve();
        });
        socket.on('close', () => reject(new Error(`${member.name} closed before its welcome`)));
      });
      return member;
    }),
  );
}

async function join(port: number, name: string): Promise<LineClient> {
  const c = await LineClient.join(port, name);
  clients.push(c);
  return c;
}

afterAll(killAll);

describe('a crowd joining at once', () => {
  it('tells every member of each later join exactly once, in join order, readers or not', async () => {
    const N = 300;
    const { port } = await start();
    const members = await crowd(port, N, { keep: true, pause: (i) => i % 2 === 0 });
    const byRank = [...members].sort((a, b) => a.rank - b.rank);
    expect(byRank.map((m) => m.rank)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    // A newcomer after the crowd, then everyone reads again.
    const last = await join(port, 'depois');
    expect(last.lines.at(-1)).toMatch(new RegExp(`^Bem-vindo, depois! Online \\(${N + 1}\\): `));
    for (const m of members) m.socket.resume();
    await Promise.all(
      members.map(async (m) => {
        while (!m.text.includes('depois entrou no chat!\n')) await once(m.socket, 'data');
      }),
    );
    for (const m of members) {
      const joins = m.text.split('\n').filter((l) => l.endsWith(' entrou no chat!'));
      const later = byRank.slice(m.rank).map((o) => `${o.name} entrou no chat!`);
      expect(joins).toEqual([...later, 'depois entrou no chat!']);
    }
  });
});

describe('commands under a crowd', () => {
  it('paces a flood of /users with 2,000 members online like any line, and others keep chatting', async () => {
    const MEMBERS = 2000;
    // A server process of its own: the crowd's clients are busy enough here.
    const server = await startTcpServer({ CHAT_RATE: '30', CHAT_BURST: '5' });
    processes.push(server);
    const { port } = server;
    await crowd(port, MEMBERS);
    const flooder = await join(port, 'flooder');
    const bob = await join(port, 'bob');
    const alice = await join(port, 'alice');
    await bob.next((l) => l === 'alice entrou no chat!');
    const ASKS = 100;
    const online = `Online (${MEMBERS + 3}): `;
    // 100 lines of 7 bytes asking for about 15 KB each, then a public line.
    flooder.write('/users\n'.repeat(ASKS) + 'fim\n');
    await flooder.next((l) => l.startsWith(online));
    for (let i = 1; i < 10; i++) await flooder.next((l) => l.startsWith(online));
    // The flood is paced: alice's line, sent now, reaches bob before the
    // flooder's last line, which the server reads after its 100 /users.
    alice.send('ainda aqui');
    expect(await bob.next((l) => l.startsWith('alice:') || l.startsWith('flooder:'))).toBe('alice: ainda aqui');
    expect(await bob.next((l) => l.startsWith('flooder:'))).toBe('flooder: fim');
    // Nothing was lost: every /users was answered, in full.
    for (let i = 10; i < ASKS; i++) await flooder.next((l) => l.startsWith(online));
    const answers = flooder.lines.filter((l) => l.startsWith(online));
    expect(answers).toHaveLength(ASKS);
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]!.split(', ')).toHaveLength(MEMBERS + 3);
  }, 120_000);
});
