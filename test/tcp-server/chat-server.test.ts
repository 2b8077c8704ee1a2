/**
 * The protocol table and rules, over real TCP sockets against an in-process
 * ChatServer on an ephemeral port.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatServer, type ChatServerOptions } from '../../tcp-server/chat-server.ts';
import { LineClient, talkUntilLeave } from '../helpers/line-client.ts';

const servers: ChatServer[] = [];
const clients: LineClient[] = [];

async function start(options: ChatServerOptions = {}) {
  const log: string[] = [];
  const server = new ChatServer({ host: '127.0.0.1', port: 0, log: (l) => log.push(l), ...options });
  servers.push(server);
  const { port } = await server.listen();
  const connect = async () => track(await LineClient.connect(port));
  const join = async (name: string) => track(await LineClient.join(port, name));
  return { server, port, log, connect, join };
}
function track(c: LineClient): LineClient {
  clients.push(c);
  return c;
}
/** bob, then alice, online; bob has seen alice join, so his next line is what comes after. */
async function bobAndAlice(options: ChatServerOptions = {}) {
  const started = await start(options);
  const bob = await started.join('bob');
  const alice = await started.join('alice');
  await bob.expect('alice entrou no chat!');
  return { ...started, bob, alice };
}
/** A round trip: every line the server sent `c` before this reply has arrived. */
async function sync(c: LineClient): Promise<void> {
  c.send('/users');
  await c.next((l) => l.startsWith('Online ('));
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('joining', () => {
  it('prompts for a name, welcomes with the sorted online list and announces the join', async () => {
    const { join, connect, log } = await start();
    const bob = await join('bob');
    await join('Alice');
    const carol = await connect();
    await carol.expect('Digite seu nome:');
    carol.send('carol');
    await carol.expect('Bem-vindo, carol! Online (3): Alice, bob, carol');
    expect(await bob.next()).toBe('Alice entrou no chat!');
    expect(await bob.next()).toBe('carol entrou no chat!');
    expect(log).toEqual(['bob entrou no chat!', 'Alice entrou no chat!', 'carol entrou no chat!']);
  });

  it('asks again after an invalid name, without closing', async () => {
    const { connect } = await start();
    const c = await connect();
    await c.expect('Digite seu nome:');
    for (const bad of ['bob smith', 'x'.repeat(33), '', '@bob', 'a:b']) {
      c.send(bad);
      await c.expect('Nome inválido: use de 1 a 32 letras, números, _, - ou . (sem espaços).');
      await c.expect('Digite seu nome:');
    }
    c.send('  bob  ');
    await c.expect('Bem-vindo, bob! Online (1): bob');
  });

  it('refuses a name taken in another case or width, echoing it as typed', async () => {
    const { join, connect } = await start();
    await join('bob');
    const c = await connect();
    await c.expect('Digite seu nome:');
    c.send('BOB');
    await c.expect('Nome já em uso: BOB.');
    await c.expect('Digite seu nome:');
    c.send('ｂｏｂ');
    await c.expect('Nome já em uso: ｂｏｂ.');
    await c.expect('Digite seu nome:');
    c.send('bob2');
    await c.expect('Bem-vindo, bob2! Online (2): bob, bob2');
  });

  it('normalises a decomposed name to NFC', async () => {
    const { connect } = await start();
    const c = await connect();
    await c.expect('Digite seu nome:');
    c.send('Jose\u0301');
    await c.expect('Bem-vindo, José! Online (1): José');
  });

  it('closes a connection that gives no name in time', async () => {
    const { connect } = await start({ nameTimeoutMs: 200 });
    const c = await connect();
    await c.expect('Digite seu nome:');
    expect(await c.rest()).toEqual(['Tempo para informar o nome esgotado.']);
  });

  it('turns away connections beyond the maximum and takes new ones when a place frees', async () => {
    const { join, connect, server } = await start({ maxClients: 2 });
    const a = await join('a');
    await join('b');
    const third = await connect();
    expect(await third.rest()).toEqual(['Servidor cheio, tente mais tarde.']);
    a.send('/quit');
    await a.closed;
    await vi.waitFor(() => expect(server.connectionCount).toBe(1));
    await join('c');
  });
});

describe('chatting', () => {
  it('sends a public line to everyone but its sender', async () => {
    const { join } = await start();
    const bob = await join('bob');
    const alice = await join('alice');
    const carol = await join('carol');
    bob.send('olá a todos 🙂');
    expect(await alice.next((l) => l.startsWith('bob:'))).toBe('bob: olá a todos 🙂');
    expect(await carol.next((l) => l.startsWith('bob:'))).toBe('bob: olá a todos 🙂');
    await sync(bob);
    expect(bob.lines.filter((l) => l.startsWith('bob:'))).toEqual([]);
  });

  it('sends @name text only to name, matching the name ignoring case', async () => {
    const { join } = await start();
    const bob = await join('bob');
    const alice = await join('Alice');
    const carol = await join('carol');
    bob.send('@alice só para você');
    bob.send('depois');
    expect(await alice.next((l) => l.includes('bob'))).toBe('[privado] bob: só para você');
    expect(await carol.next((l) => l.startsWith('bob:'))).toBe('bob: depois');
    expect(carol.lines.some((l) => l.includes('só para você'))).toBe(false);
  });

  it('tells the sender when the private recipient is not online, and broadcasts nothing', async () => {
    const { bob, alice } = await bobAndAlice();
    bob.send('@zed olá');
    await bob.expect('Usuário zed não encontrado.');
    bob.send('fim');
    expect(await alice.next()).toBe('bob: fim');
  });

  it('answers @name with no text with a usage line', async () => {
    const { join } = await start();
    const bob = await join('bob');
    bob.send('@bob');
    await bob.expect('Mensagem privada vazia: use @nome texto.');
  });

  it('treats a mention in the middle of a line as public', async () => {
    const { bob, alice } = await bobAndAlice();
    bob.send('olha @alice');
    expect(await alice.next()).toBe('bob: olha @alice');
  });

  it('ignores empty and blank lines', async () => {
    const { bob, alice } = await bobAndAlice();
    bob.send('');
    bob.send('   ');
    bob.send('real');
    expect(await alice.next()).toBe('bob: real');
  });

  it('lists who is online on /users', async () => {
    const { join } = await start();
    await join('zoe');
    const bob = await join('Bob');
    await join('alice');
    bob.send('/users');
    expect(await bob.next((l) => l.startsWith('Online'))).toBe('Online (3): alice, Bob, zoe');
  });

  it('answers an unknown command with the list of commands, and //text sends /text', async () => {
    const { bob, alice } = await bobAndAlice();
    bob.send('/nick robert');
    await bob.expect('Comando desconhecido: /nick. Comandos: /users, /history, /quit e //texto para enviar /texto.');
    bob.send('//shrug');
    expect(await alice.next()).toBe('bob: /shrug');
  });

  it('strips controls and bidi overrides from what users send, and replaces invalid UTF-8', async () => {
    const { bob, alice } = await bobAndAlice();
    bob.send('\u001b[2Jlimpa\u0007 tela\u202eabc');
    expect(await alice.next()).toBe('bob: [2Jlimpa telaabc');
    bob.write(Buffer.concat([Buffer.from('a'), Buffer.from([0xc3]), Buffer.from('b\n')]));
    expect(await alice.next()).toBe('bob: a\ufffdb');
  });
});

describe('leaving', () => {
  it('announces /quit, closes the connection and logs the leave', async () => {
    const { bob, alice, log } = await bobAndAlice();
    alice.send('/quit');
    await alice.closed;
    expect(await bob.next((l) => l.includes('alice s'))).toBe('alice saiu do chat.');
    expect(log).toContain('alice desconectado.');
  });

  it('announces a client that just disconnects', async () => {
    const { bob, alice, log } = await bobAndAlice();
    alice.close();
    expect(await bob.next((l) => l.includes('saiu'))).toBe('alice saiu do chat.');
    expect(log).toContain('alice desconectado.');
  });

  it('delivers the last lines of a client that closes right after sending them, then its leave', async () => {
    const { bob, alice } = await bobAndAlice();
    alice.socket.end('um\ndois\ntrês sem LF');
    expect([await bob.next(), await bob.next(), await bob.next(), await bob.next()]).toEqual([
      'alice: um',
      'alice: dois',
      'alice: três sem LF',
      'alice saiu do chat.',
    ]);
  });

  it('frees the name for someone else', async () => {
    const { join } = await start();
    const a = await join('bob');
    a.send('/quit');
    await a.closed;
    await join('bob');
  });
});

describe('limits', () => {
  it('discards a line over the limit, tells the sender and keeps the connection', async () => {
    const { bob, alice } = await bobAndAlice({ maxLine: 64 });
    bob.send('x'.repeat(65));
    await bob.expect('Mensagem muito longa (máximo 64 bytes).');
    bob.send('y'.repeat(64));
    expect(await alice.next()).toBe(`bob: ${'y'.repeat(64)}`);
  });

  it('discards a huge line arriving in pieces up to its LF, once', async () => {
    const { bob, alice } = await bobAndAlice({ maxLine: 64 });
    for (let i = 0; i < 50; i++) bob.write('z'.repeat(1000));
    bob.write('\nok\n');
    expect(await alice.next()).toBe('bob: ok');
    await sync(bob);
    expect(bob.lines.filter((l) => l.startsWith('Mensagem muito longa'))).toHaveLength(1);
  });

  it('counts the limit in bytes, not characters', async () => {
    const { join } = await start({ maxLine: 10 });
    const bob = await join('bob');
    bob.send('ééééé!'); // 11 bytes
    await bob.expect('Mensagem muito longa (máximo 10 bytes).');
  });
});

describe('legacy framing', () => {
  it('takes a partial line idle for CHAT_LEGACY_IDLE_MS as a whole message', async () => {
    const { connect, join } = await start({ legacyIdleMs: 100 });
    const bob = await join('bob');
    const legacy = await connect();
    await legacy.expect('Digite seu nome:');
    legacy.write('velho');
    await legacy.expect('Bem-vindo, velho! Online (2): bob, velho');
    legacy.write('olá do cliente antigo');
    expect(await bob.next((l) => l.startsWith('velho:'))).toBe('velho: olá do cliente antigo');
    legacy.write('segunda');
    expect(await bob.next((l) => l.startsWith('velho:'))).toBe('velho: segunda');
  });
});

describe('ordering and flow control', () => {
  it('delivers 20 clients × 200 lines complete and in order to every recipient', async () => {
    const { join } = await start({ rate: 100_000, burst: 100_000 });
    const N = 20;
    const LINES = 200;
    const all = await Promise.all(Array.from({ length: N }, (_, i) => join(`u${i}`)));
    // Every recipient sees every other client's join before we start.
    await Promise.all(all.map((c, i) => c.waitForCount(2 + (N - 1 - i))));
    const start0 = all.map((c) => c.lines.length);
    for (let k = 0; k < LINES; k++) {
      all.forEach((c, i) => c.send(`${i}:${k}:${'x'.repeat(k % 50)}`));
    }
    await Promise.all(all.map((c, i) => c.waitForCount(start0[i]! + (N - 1) * LINES)));
    all.forEach((c, i) => {
      const got = c.lines.slice(start0[i]);
      for (let j = 0; j < N; j++) {
        if (j === i) continue;
        const fromJ = got.filter((l) => l.startsWith(`u${j}: `)).map((l) => l.slice(`u${j}: `.length));
        expect(fromJ).toEqual(Array.from({ length: LINES }, (_, k) => `${j}:${k}:${'x'.repeat(k % 50)}`));
      }
    });
  });

  it('keeps public and private lines to one recipient in the order they were sent', async () => {
    const { join } = await start();
    const bob = await join('bob');
    const carol = await join('carol');
    bob.write('um\n@carol dois\ntrês\n@carol quatro\n');
    expect([await carol.next(), await carol.next(), await carol.next(), await carol.next()]).toEqual([
      'bob: um',
      '[privado] bob: dois',
      'bob: três',
      '[privado] bob: quatro',
    ]);
  });

  it('gives each of two users talking at once the other one\'s lines only, in order', async () => {
    const { bob, alice } = await bobAndAlice({ rate: 100_000, burst: 100_000 });
    const LINES = 300;
    const lines = (who: string) => Array.from({ length: LINES }, (_, i) => `${who}${i}`);
    const base = bob.lines.length;
    bob.write(lines('b').map((l) => l + '\n').join(''));
    alice.write(lines('a').map((l) => l + '\n').join(''));
    await bob.waitForCount(base + LINES);
    await alice.next((l) => l === `bob: b${LINES - 1}`);
    expect(bob.lines.slice(base)).toEqual(lines('a').map((l) => `alice: ${l}`));
    expect(alice.lines.filter((l) => l.startsWith('bob: '))).toEqual(lines('b').map((l) => `bob: ${l}`));
    expect(alice.lines.filter((l) => l.startsWith('alice: '))).toEqual([]);
  });

  it('paces a flood of instant lines but loses none, and others keep chatting meanwhile', async () => {
    const { join } = await start({ rate: 50, burst: 10 });
    const flooder = await join('flooder');
    const bob = await join('bob');
    const alice = await join('alice');
    const COUNT = 60;
    flooder.write(Array.from({ length: COUNT }, (_, i) => `f${i}\n`).join(''));
    // While the flood is paced, alice's line reaches bob before the flood ends.
    await bob.next((l) => l === 'flooder: f10');
    alice.send('ainda aqui');
    const seen: string[] = [];
    let aliceSeenAt = -1;
    while (seen.length < COUNT - 11) {
      const l = await bob.next();
      if (l === 'alice: ainda aqui') aliceSeenAt = seen.length;
      else seen.push(l);
    }
    expect(seen).toEqual(Array.from({ length: COUNT - 11 }, (_, i) => `flooder: f${i + 11}`));
    expect(aliceSeenAt).toBeGreaterThanOrEqual(0);
    expect(aliceSeenAt).toBeLessThan(COUNT - 11);
  });

  it('cuts off a client that never reads, while the others keep chatting', async () => {
    const { join } = await start({ sendQueue: 64 * 1024, rate: 100_000, burst: 100_000 });
    const sleeper = await join('sleeper');
    sleeper.socket.pause(); // never reads again
    const talker = await join('talker');
    const listener = await join('listener');
    expect(await talkUntilLeave(talker, listener, 'sleeper')).toBe(true);
    talker.send('depois');
    expect(await listener.next((l) => l === 'talker: depois')).toBe('talker: depois');
  });
});

describe('shutdown', () => {
  it('tells every client, named or not, then closes them', async () => {
    const { join, connect, server } = await start();
    const bob = await join('bob');
    const anon = await connect();
    await anon.expect('Digite seu nome:');
    await server.close();
    expect(await bob.rest()).toEqual(['Servidor encerrando.']);
    expect(await anon.rest()).toEqual(['Servidor encerrando.']);
  });
});
