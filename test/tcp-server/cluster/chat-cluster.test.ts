/**
 * One room over several chat servers (issue 14), end to end: real
 * `redis-server` processes on ephemeral ports, real chat servers started as
 * `npm run tcp-server` does (tcp-server/main.ts) with CHAT_REDIS_URL, and
 * terminal clients on different nodes. Nodes are killed with real signals
 * and Redis is restarted with and without its data while users talk.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { compareNames } from '../../../protocol/index.ts';
import { LineClient } from '../../helpers/line-client.ts';
import { type TcpServerProcess, killAll, runScript, startTcpServer } from '../../helpers/processes.ts';
import { type RedisServer, freePort, killAllRedis, startRedis } from '../../helpers/redis-server.ts';

// Nodes are processes on a shared 2-core machine, and a node's death is noticed after its liveness TTL.
vi.setConfig({ testTimeout: 90_000 });

afterAll(() => {
  killAll();
  killAllRedis();
});

const clients: LineClient[] = [];
const nodes: TcpServerProcess[] = [];
const redises: RedisServer[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(nodes.splice(0).map((n) => n.stop('SIGKILL')));
  await Promise.all(redises.splice(0).map((r) => r.stop()));
});

async function redis(options: { persist?: boolean } = {}): Promise<RedisServer> {
  const r = await startRedis(options);
  redises.push(r);
  return r;
}

/** A chat node on `r`, as a process; the cluster's default timings unless `env` says otherwise. */
async function node(r: RedisServer, name: string, env: Record<string, string> = {}): Promise<TcpServerProcess> {
  const n = await startTcpServer({ CHAT_REDIS_URL: r.url, CHAT_NODE_NAME: name, ...env });
  nodes.push(n);
  return n;
}

async function join(n: TcpServerProcess, name: string): Promise<LineClient> {
  const c = await LineClient.join(n.port, name);
  clients.push(c);
  return c;
}

async function connect(n: TcpServerProcess): Promise<LineClient> {
  const c = await LineClient.connect(n.port);
  clients.push(c);
  await c.expect('Digite seu nome:');
  return c;
}

/** Joins with `/ext <features>`; returns the client and its `+session` token (null without one). */
async function joinWith(n: TcpServerProcess, name: string, features: string): Promise<{ client: LineClient; token: string | null }> {
  const client = await connect(n);
  client.send(`/ext ${features}`);
  await client.next((l) => l.startsWith('+ext'));
  client.send(name);
  const first = await client.next();
  if (first.startsWith('+session ')) {
    await client.next((l) => l.startsWith('Bem-vindo, '));
    return { client, token: first.slice('+session '.length) };
  }
  expect(first).toMatch(/^Bem-vindo, /);
  return { client, token: null };
}

/** A round trip to the client's node: every line it sent this client before has arrived. */
async function sync(c: LineClient): Promise<void> {
  c.send('/users');
  await c.next((l) => l.startsWith('Online ('));
}

/** The lines `c` received from index `from` on that match `re`. */
function linesSince(c: LineClient, from: number, re: RegExp): string[] {
  return c.lines.slice(from).filter((l) => re.test(l));
}

/** The welcome `c` got (lines the room delivers right after it may follow it). */
function welcomeOf(c: LineClient): string | undefined {
  return c.lines.find((l) => l.startsWith('Bem-vindo, '));
}

/** Resolves when `c` receives its next line (or closes); reads nothing. */
function arrival(c: LineClient): Promise<void> {
  return c.waitForCount(c.lines.length + 1).catch(() => {});
}

/** `promise`, or a failure saying what did not happen (and `why()`) after `ms`. */
async function within<V>(promise: Promise<V>, ms: number, what: string, why: () => string): Promise<V> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms\n${why()}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

function online(names: string[]): string {
  const sorted = [...names].sort(compareNames);
  return `Online (${sorted.length}): ${sorted.join(', ')}`;
}

describe('users on two nodes are in one room', () => {
  it('see one another join, talk in public and in private, list everyone sorted, and leave once', async () => {
    const r = await redis();
    const [n1, n2] = await Promise.all([node(r, 'n1'), node(r, 'n2')]);
    const ana = await join(n1, 'ana');
    // Lines that follow a name in the same write wait for the room's answer to it (a Redis round trip).
    const zeca = await connect(n2);
    zeca.write('Zeca\n/users\n');
    await zeca.next((l) => l.startsWith('Bem-vindo, '));
    await zeca.expect(online(['ana', 'Zeca']));
    // The welcome lists every node's members, sorted as today.
    expect(zeca.lines).toContain(`Bem-vindo, Zeca! ${online(['ana', 'Zeca'])}`);
    await ana.expect('Zeca entrou no chat!');
    const bia = await join(n2, 'bia');
    expect(bia.lines).toContain(`Bem-vindo, bia! ${online(['ana', 'Zeca', 'bia'])}`);
    await ana.expect('bia entrou no chat!');
    await zeca.expect('bia entrou no chat!');

    ana.send('olá de n1');
    await zeca.expect('ana: olá de n1');
    await bia.expect('ana: olá de n1');
    zeca.send('@ana só pra você');
    await ana.expect('[privado] Zeca: só pra você');
    ana.send('@BIA oi bia');
    await bia.expect('[privado] ana: oi bia');
    ana.send('@ninguem oi');
    await ana.expect('Usuário ninguem não encontrado.');

    for (const c of [ana, zeca, bia]) {
      c.send('/users');
      await c.expect(online(['ana', 'Zeca', 'bia']));
    }

    zeca.send('/quit');
    await zeca.closed;
    await ana.expect('Zeca saiu do chat.');
    await bia.expect('Zeca saiu do chat.');
    await sync(ana);
    await sync(bia);
    // Each saw each event once, and no one got their own line back.
    for (const c of [ana, bia]) {
      expect(c.lines.filter((l) => l === 'Zeca saiu do chat.')).toHaveLength(1);
      expect(c.lines.filter((l) => l === 'bia entrou no chat!').length).toBeLessThanOrEqual(1);
    }
    expect(ana.lines.filter((l) => l === 'Zeca entrou no chat!')).toHaveLength(1);
    expect(ana.lines).not.toContain('ana: olá de n1');
    // The name is free again, on either node.
    const zeca2 = await join(n1, 'zeca');
    await bia.expect('zeca entrou no chat!');
    expect(welcomeOf(zeca2)).toBe(`Bem-vindo, zeca! ${online(['ana', 'bia', 'zeca'])}`);
    // What follows a `/quit` held behind a name is not read, as on a live connection.
    const quick = await connect(n1);
    quick.write('rapido\n/quit\ndepois do quit\n');
    await quick.closed;
    await bia.next((l) => l === 'rapido saiu do chat.');
    await sync(bia);
    expect(bia.lines).toContain('rapido entrou no chat!');
    expect(bia.lines).not.toContain('rapido: depois do quit');
  });

  it('gives a name to exactly one of two people racing for it (or a look-alike) on two nodes', async () => {
    const r = await redis();
    const [n1, n2] = await Promise.all([node(r, 'n1'), node(r, 'n2')]);
    const pairs: Array<[string, string]> = [
      ['maria', 'maria'],
      ['joao', 'JOAO'],
      ['paulo', 'ｐａｕｌｏ'], // full width: one name
      ['mario', 'rnario'], // look-alikes
      ['rui', 'rui'],
    ];
    for (const [a, b] of pairs) {
      const [c1, c2] = await Promise.all([connect(n1), connect(n2)]);
      c1.send(a);
      c2.send(b);
      const answers = await Promise.all([c1.next(), c2.next()]);
      const won = answers.filter((l) => l.startsWith('Bem-vindo, '));
      const lost = answers.filter((l) => l.startsWith('Nome já em uso: '));
      expect(won, JSON.stringify(answers)).toHaveLength(1);
      expect(lost, JSON.stringify(answers)).toHaveLength(1);
      const loser = answers[0]!.startsWith('Nome') ? c1 : c2;
      expect(lost[0]).toBe(`Nome já em uso: ${loser === c1 ? a : b}.`);
      await loser.expect('Digite seu nome:');
    }
  });

  it('gives the same /history and the same message ids on every node', async () => {
    const r = await redis();
    const [n1, n2] = await Promise.all([node(r, 'n1'), node(r, 'n2')]);
    const ana = (await joinWith(n1, 'ana', 'ids')).client;
    const bob = (await joinWith(n2, 'bob', 'ids')).client;
    await ana.next((l) => l === 'bob entrou no chat!');
    for (let i = 0; i < 5; i++) {
      ana.send(`a${i}`);
      bob.send(`b${i}`);
    }
    // Each sees the other's five lines with ids, and acks for its own.
    const seenByBob = await Promise.all(Array.from({ length: 5 }, () => bob.next((l) => /^\+msg \d+ \d+ ana: /.test(l))));
    const seenByAna = await Promise.all(Array.from({ length: 5 }, () => ana.next((l) => /^\+msg \d+ \d+ bob: /.test(l))));
    expect(seenByBob.map((l) => l.split(': ')[1])).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(seenByAna.map((l) => l.split(': ')[1])).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    await sync(ana);
    await sync(bob);
    const acksOf = (c: LineClient) => c.lines.filter((l) => l.startsWith('+ack ')).map((l) => l.split(' ').slice(1, 3).join(' '));
    const idsAt = (lines: string[]) => lines.map((l) => l.split(' ').slice(1, 3).join(' '));
    // The ids ana got in her acks are those bob saw on her lines, and the other way round.
    expect(acksOf(ana)).toEqual(idsAt(seenByBob));
    expect(acksOf(bob)).toEqual(idsAt(seenByAna));

    const answers: string[][] = [];
    for (const c of [ana, bob]) {
      const from = c.lines.length;
      c.send('/history 10');
      await c.next((l) => l === 'Fim do histórico.');
      answers.push(c.lines.slice(from));
    }
    expect(answers[0]).toHaveLength(12);
    expect(answers[1]).toEqual(answers[0]);
    const texts = answers[0]!.slice(1, -1).map((l) => l.split(': ').at(-1));
    expect([...texts].sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'b3', 'b4']);
  });

  it('recognises a labelled line resent through another node: one broadcast, the same ack', async () => {
    const r = await redis();
    const [n1, n2] = await Promise.all([node(r, 'n1'), node(r, 'n2')]);
    const ana = (await joinWith(n1, 'ana', 'ids labels')).client;
    const bob = await join(n2, 'bob');
    ana.send('/label Lbl-1 uma vez só');
    const ack = await ana.next((l) => l.startsWith('+ack '));
    expect(ack).toMatch(/^\+ack \d+ \d+ Lbl-1$/);
    await bob.expect('ana: uma vez só');
    // The page rejoins through the other node (say its node died) and resends.
    const ana2 = (await joinWith(n2, 'ana2', 'ids labels')).client;
    ana2.send('/label Lbl-1 uma vez só');
    expect(await ana2.next((l) => l.startsWith('+ack '))).toBe(ack);
    await sync(bob);
    expect(bob.lines.filter((l) => l === 'ana: uma vez só')).toHaveLength(1);
  });
});

describe('a node going away', () => {
  it('killed with kill -9: the others see its users leave within 10 s, once, and their names are free', async () => {
    const r = await redis();
    const [n1, n2] = await Promise.all([node(r, 'n1'), node(r, 'n2')]);
    const ana = await join(n1, 'ana');
    await join(n2, 'bob');
    await join(n2, 'carla');
    await ana.expect('bob entrou no chat!');
    await ana.expect('carla entrou no chat!');
    const killedAt = Date.now();
    await n2.stop('SIGKILL');
    await ana.next((l) => l === 'bob saiu do chat.' || l === 'carla saiu do chat.');
    await ana.next((l) => l === 'bob saiu do chat.' || l === 'carla saiu do chat.');
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    const bob = await join(n1, 'bob');
    expect(welcomeOf(bob)).toBe(`Bem-vindo, bob! ${online(['ana', 'bob'])}`);
    await ana.expect('bob entrou no chat!');
    await sync(ana);
    expect(ana.lines.filter((l) => l === 'bob saiu do chat.')).toHaveLength(1);
    expect(ana.lines.filter((l) => l === 'carla saiu do chat.')).toHaveLength(1);
  });

  it('stopped with SIGTERM: its users are told, the others see them leave at once (not after the liveness TTL)', async () => {
    const r = await redis();
    // A liveness TTL far longer than the test: only the node's goodbye can make the leave come.
    const env = { CHAT_NODE_TTL_MS: '600000' };
    const [n1, n2] = await Promise.all([node(r, 'n1', env), node(r, 'n2', env)]);
    const ana = await join(n1, 'ana');
    const bob = await join(n2, 'bob');
    await ana.expect('bob entrou no chat!');
    const exit = n2.stop('SIGTERM');
    expect(await bob.rest()).toEqual(['Servidor encerrando.']);
    await ana.expect('bob saiu do chat.');
    expect(await exit).toEqual({ code: 0, signal: null });
    await join(n1, 'bob');
    await sync(ana);
    expect(ana.lines.filter((l) => l === 'bob saiu do chat.')).toHaveLength(1);
  });
});

describe('Redis going away while users talk', () => {
  for (const persist of [true, false]) {
    it(`restarted ${persist ? 'with its data' : 'empty'}: no line lost or repeated, no spurious leave or join; a name attempt meanwhile is told to try later`, async () => {
      const r = await redis({ persist });
      const [n1, n2] = await Promise.all([node(r, 'n1'), node(r, 'n2')]);
      const ana = await join(n1, 'ana');
      const bob = await join(n2, 'bob');
      await ana.expect('bob entrou no chat!');
      const anaFrom = ana.lines.length;
      const bobFrom = bob.lines.length;
      const sent = { ana: [] as string[], bob: [] as string[] };
      const say = (who: 'ana' | 'bob', c: LineClient, n: number) => {
        for (let i = 0; i < n; i++) {
          const text = `${who}-${sent[who].length}`;
          sent[who].push(text);
          c.send(text);
        }
      };
      say('ana', ana, 10);
      say('bob', bob, 10);
      await r.kill();
      say('ana', ana, 10);
      say('bob', bob, 10);
      // A name while Redis is away: the clear answer, and the prompt again.
      const why = () => `n1:\n${n1.stderr}\nn2:\n${n2.stderr}\nana:\n${ana.lines.join('\n')}\nbob:\n${bob.lines.join('\n')}\ncarla:\n${carla.lines.join('\n')}`;
      const carla = await connect(n1);
      carla.send('carla');
      await within(carla.expect('Chat indisponível no momento, tente mais tarde.'), 20_000, 'unavailable answer', why);
      await carla.expect('Digite seu nome:');
      await r.restart();
      say('ana', ana, 10);
      say('bob', bob, 10);
      const got = (c: LineClient, from: number, who: string) =>
        c.lines.slice(from).filter((l) => l.startsWith(`${who}: `)).map((l) => l.slice(who.length + 2));
      const deadline = Date.now() + 30_000;
      while (got(bob, bobFrom, 'ana').length < 30 || got(ana, anaFrom, 'bob').length < 30) {
        if (Date.now() > deadline) break;
        await Promise.race([arrival(ana), arrival(bob), new Promise((res) => setTimeout(res, 1000))]);
      }
      expect(got(bob, bobFrom, 'ana'), why()).toEqual(sent.ana);
      expect(got(ana, anaFrom, 'bob'), why()).toEqual(sent.bob);
      // The room works again within 10 s: a name is taken (after the cluster re-registered its members).
      let joined = false;
      const tryUntil = Date.now() + 10_000;
      while (!joined && Date.now() < tryUntil) {
        carla.send('carla');
        const answer = await within(carla.next(), 20_000, 'answer to a name', why);
        if (answer.startsWith('Bem-vindo, ')) joined = true;
        else {
          expect(answer).toBe('Chat indisponível no momento, tente mais tarde.');
          await carla.expect('Digite seu nome:');
          await new Promise((res) => setTimeout(res, 250));
        }
      }
      expect(joined).toBe(true);
      expect(welcomeOf(carla)).toBe(`Bem-vindo, carla! ${online(['ana', 'bob', 'carla'])}`);
      await within(ana.next((l) => l === 'carla entrou no chat!'), 20_000, 'join of carla', why);
      await within(bob.next((l) => l === 'carla entrou no chat!'), 20_000, 'join of carla', why);
      await sync(ana);
      await sync(bob);
      for (const c of [ana, bob]) {
        expect(linesSince(c, 0, /saiu do chat\.$/)).toEqual([]);
        expect(linesSince(c, c === ana ? anaFrom : bobFrom, /entrou no chat!$/)).toEqual(['carla entrou no chat!']);
      }
    }, 120_000);
  }
});

describe('a name given out twice after Redis lost its data', () => {
  it('the earlier holder, on a node frozen past the liveness TTL, is told it lost its name and is let go', async () => {
    const r = await redis();
    const fast = { CHAT_NODE_HEARTBEAT_MS: '400', CHAT_NODE_TTL_MS: '2000' };
    const [n1, n2] = await Promise.all([node(r, 'n1', fast), node(r, 'n2', fast)]);
    const ana = await join(n1, 'ana');
    const bob = await join(n2, 'bob');
    await ana.expect('bob entrou no chat!');
    // n1 is frozen while Redis comes back empty: it cannot register ana again in time.
    process.kill(n1.proc.pid!, 'SIGSTOP');
    try {
      await r.restart();
      // n2 takes the silent n1 for dead.
      await bob.next((l) => l === 'ana saiu do chat.');
      const newcomer = await connect(n2);
      for (;;) {
        newcomer.send('ana');
        const answer = await newcomer.next();
        if (answer.startsWith('Bem-vindo, ')) break;
        expect(answer).toBe('Chat indisponível no momento, tente mais tarde.');
        await newcomer.expect('Digite seu nome:');
        await new Promise((res) => setTimeout(res, 200));
      }
    } finally {
      process.kill(n1.proc.pid!, 'SIGCONT');
    }
    expect(await ana.rest()).toContain('Seu nome passou a outra pessoa durante uma falha do chat. Entre de novo.');
    await sync(bob);
    expect(bob.lines.filter((l) => l === 'ana saiu do chat.')).toHaveLength(1);
    bob.send('/users');
    await bob.expect(online(['ana', 'bob']));
  });
});

describe('a node holding too much while Redis is away', () => {
  it('refuses a line beyond CHAT_REDIS_BUFFER_BYTES with a clear answer, and delivers every line it held once Redis is back', async () => {
    const r = await redis({ persist: true });
    const [n1, n2] = await Promise.all([node(r, 'n1', { CHAT_REDIS_BUFFER_BYTES: '2048' }), node(r, 'n2')]);
    const ana = await join(n1, 'ana');
    const bob = await join(n2, 'bob');
    await ana.expect('bob entrou no chat!');
    await r.kill();
    const texts = Array.from({ length: 20 }, (_, i) => `${i}:${'x'.repeat(200)}`);
    for (const t of texts) ana.send(t);
    await sync(ana);
    const busy = ana.lines.filter((l) => l === 'Chat sobrecarregado: sua mensagem não foi entregue, tente de novo.').length;
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThan(20);
    await r.restart();
    const kept = texts.slice(0, 20 - busy);
    await bob.next((l) => l === `ana: ${kept.at(-1)}`);
    await sync(bob);
    expect(bob.lines.filter((l) => l.startsWith('ana: ')).map((l) => l.slice(5))).toEqual(kept);
  });
});

describe('starting a node', () => {
  it('stops with code 2 and a message naming CHAT_REDIS_URL when it is not a Redis URL', async () => {
    const run = runScript('tcp-server/main.ts', { CHAT_PORT: '0', CHAT_DB: ':memory:', CHAT_REDIS_URL: 'http://127.0.0.1:6379' });
    expect(await run.stop('SIGCONT')).toEqual({ code: 2, signal: null });
    expect(run.stderr).toContain('CHAT_REDIS_URL must start with redis://');
  });

  it('exits with code 1 and a message naming CHAT_REDIS_URL when Redis cannot be reached', async () => {
    const port = await freePort();
    const run = runScript('tcp-server/main.ts', { CHAT_PORT: '0', CHAT_DB: ':memory:', CHAT_REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(await run.stop('SIGCONT')).toEqual({ code: 1, signal: null });
    expect(run.stderr).toContain('CHAT_REDIS_URL');
    expect(run.stdout).not.toMatch(/Servidor rodando/);
  });
});

describe('session resume in a cluster', () => {
  it('a dropped connection resumes on its node; a user on the other node sees no leave or join', async () => {
    const r = await redis();
    const [n1, n2] = await Promise.all([node(r, 'n1'), node(r, 'n2')]);
    const { client: ana, token } = await joinWith(n1, 'ana', 'resume labels');
    // The token names its node (CHAT_NODE_NAME as given, not the node id with its random suffix).
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}\.n1$/);
    const bob = await join(n2, 'bob');
    await ana.expect('bob entrou no chat!');
    const bobFrom = bob.lines.length;
    await sync(ana);
    const sessionAt = ana.lines.findIndex((l) => l.startsWith('+session ')) + 1;
    const count = ana.lines.length - sessionAt;
    ana.close();
    bob.send('enquanto você estava fora');
    bob.send('@ana e um segredo');
    await sync(bob);
    const again = await connect(n1);
    again.send('/ext resume labels');
    await again.next((l) => l.startsWith('+ext'));
    again.send(`/resume ${token} ${count}`);
    expect(await again.next()).toMatch(/^\+resumed ana \d+$/);
    await again.expect('bob: enquanto você estava fora');
    await again.expect('[privado] bob: e um segredo');
    again.send('/label L-volta voltei');
    await bob.expect('ana: voltei');
    await again.next((l) => /^\+ack - \d+ L-volta$/.test(l) || /^\+ack \d+ \d+ L-volta$/.test(l));
    expect(linesSince(bob, bobFrom, /(saiu do chat\.|entrou no chat!)$/)).toEqual([]);
  });

  it('names each node in its tokens, and only the node named can resume the session (what the gateway routes by)', async () => {
    const r = await redis();
    const [n1, n2] = await Promise.all([node(r, 'n1'), node(r, 'eu.node-2')]);
    const { client: zoe, token } = await joinWith(n2, 'zoe', 'resume labels');
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}\.eu\.node-2$/);
    await sync(zoe);
    zoe.close();
    // On the other node the session is unknown: a resume routed wrongly fails.
    const elsewhere = await connect(n1);
    elsewhere.send('/ext resume labels');
    await elsewhere.next((l) => l.startsWith('+ext'));
    elsewhere.send(`/resume ${token} 0`);
    expect(await elsewhere.next()).toBe('+resume-failed unknown');
    await elsewhere.expect('Digite seu nome:');
    elsewhere.send('zoe'); // and the name is still held by the detached session on n2
    expect(await elsewhere.next()).toBe('Nome já em uso: zoe.');
  });
});
