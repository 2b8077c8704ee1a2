/**
 * Names nobody can impersonate (issue 11 §2), over real TCP sockets against an
 * in-process ChatServer: look-alike names are taken, invisible and
 * script-mixing names are refused, and @name finds a user by any look-alike.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChatServer } from '../../tcp-server/chat-server.ts';
import { LineClient } from '../helpers/line-client.ts';

const INVISIBLE = 'Nome inválido: caracteres invisíveis não são permitidos.';
const MIXED = 'Nome inválido: não misture alfabetos, como latino e cirílico, no mesmo nome.';
const PROMPT = 'Digite seu nome:';

const servers: ChatServer[] = [];
const clients: LineClient[] = [];

async function start() {
  const server = new ChatServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  const { port } = await server.listen();
  const track = (c: LineClient) => (clients.push(c), c);
  return {
    join: async (name: string) => track(await LineClient.join(port, name)),
    /** A client at the name prompt. */
    prompt: async () => {
      const c = track(await LineClient.connect(port));
      await c.expect(PROMPT);
      return c;
    },
  };
}

/** The server's first answer to a name: a welcome or a refusal. */
async function answerTo(c: LineClient, name: string): Promise<string> {
  c.send(name);
  return c.next((l) => l.startsWith('Bem-vindo, ') || l.startsWith('Nome '));
}

/** Sends a name and expects it refused with `answer`, then the prompt again. */
async function refused(c: LineClient, name: string, answer: string): Promise<void> {
  c.send(name);
  await c.expect(answer);
  await c.expect(PROMPT);
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('look-alike names are taken', () => {
  it('refuses ANA, ａｎａ and ɑna (Latin alpha) while ana is online, echoing each as typed', async () => {
    const { join, prompt } = await start();
    await join('ana');
    const c = await prompt();
    for (const lookalike of ['ANA', 'ａｎａ', 'ɑna', 'ΑΝΑ']) {
      await refused(c, lookalike, `Nome já em uso: ${lookalike}.`);
    }
    c.send('ana2');
    await c.expect('Bem-vindo, ana2! Online (2): ana, ana2');
  });

  it('refuses Cyrillic сору while Latin copy is online, and the other way round', async () => {
    const first = await start();
    await first.join('copy');
    await refused(await first.prompt(), 'сору', 'Nome já em uso: сору.');

    const second = await start();
    await second.join('сору');
    await refused(await second.prompt(), 'copy', 'Nome já em uso: copy.');
  });

  it('refuses paypaI (capital i) while paypal is online, and Cyrillic ВОВ while bob is', async () => {
    const { join, prompt } = await start();
    await join('paypal');
    await join('bob');
    const c = await prompt();
    await refused(c, 'paypaI', 'Nome já em uso: paypaI.');
    await refused(c, 'ВОВ', 'Nome já em uso: ВОВ.');
  });

  it('treats rn and m as one name', async () => {
    const { join, prompt } = await start();
    await join('arnold');
    await refused(await prompt(), 'amold', 'Nome já em uso: amold.');
  });

  it('frees the name and its look-alikes when its holder leaves', async () => {
    const { join, prompt } = await start();
    const ana = await join('ana');
    const watcher = await join('zed');
    ana.send('/quit');
    await watcher.expect('ana saiu do chat.');
    expect(await answerTo(await prompt(), 'ɑna')).toBe('Bem-vindo, ɑna! Online (2): zed, ɑna');
  });
});

describe('names refused outright', () => {
  it('refuses аna with a Cyrillic а as mixing scripts, whoever is online', async () => {
    const { join, prompt } = await start();
    const c = await prompt();
    await refused(c, 'аna', MIXED);
    await join('ana');
    await refused(c, 'аna', MIXED);
    await refused(c, 'pаypal', MIXED);
  });

  it('refuses names of invisible fillers or with an invisible character, then accepts a real one', async () => {
    const { prompt } = await start();
    const c = await prompt();
    for (const invisible of ['\u3164', '\u115f\u1160', '\uffa0\uffa0', 'ana\u200bx', 'bo\u00adb']) {
      await refused(c, invisible, INVISIBLE);
    }
    c.send('bob');
    await c.expect('Bem-vindo, bob! Online (1): bob');
  });

  it('keeps the old answer for the old rule, and accepts names the new rules allow', async () => {
    const { prompt } = await start();
    await refused(await prompt(), 'bob smith', 'Nome inválido: use de 1 a 32 letras, números, _, - ou . (sem espaços).');
    for (const ok of ['山田たろう', '山田taro', 'Ελένη', 'Иван_2', 'José']) {
      expect(await answerTo(await prompt(), ok)).toMatch(`Bem-vindo, ${ok}! `);
    }
  });
});

describe('@name finds a user by any look-alike', () => {
  it('delivers @ＡＮＡ hi and @ɑna to ana', async () => {
    const { join } = await start();
    const ana = await join('ana');
    const bob = await join('bob');
    await ana.expect('bob entrou no chat!');
    bob.send('@ＡＮＡ hi');
    await ana.expect('[privado] bob: hi');
    bob.send('@ɑna again');
    await ana.expect('[privado] bob: again');
    bob.send('@nobody x');
    await bob.expect('Usuário nobody não encontrado.');
  });

  it('prefers the case variant when a name looks like two users', async () => {
    const { join } = await start();
    const ilya = await join('ilya');
    const llya = await join('llya'); // does not look like ilya in lower case: both may be online
    const bob = await join('bob');
    const privateLine = (l: string) => l.startsWith('[privado] ');
    bob.send('@Ilya to i');
    expect(await ilya.next(privateLine)).toBe('[privado] bob: to i');
    bob.send('@LLYA to l');
    expect(await llya.next(privateLine)).toBe('[privado] bob: to l');
  });
});
