/**
 * Real terminal users: `nc` processes, exactly as a person would chat.
 */
import { afterAll, expect, it, vi } from 'vitest';
import { ChatServer } from '../../tcp-server/chat-server.ts';
import { killNetcats, netcat } from '../helpers/netcat.ts';

afterAll(killNetcats);

it('three terminal users join, chat publicly and privately, and one leaves', async () => {
  const server = new ChatServer({ host: '127.0.0.1', port: 0 });
  const { port } = await server.listen();
  try {
    const allanys = netcat(port);
    await allanys.sees('Digite seu nome:\n');
    allanys.type('allanys');
    await allanys.sees('Bem-vindo, allanys! Online (1): allanys\n');

    const gabriel = netcat(port);
    await gabriel.sees('Digite seu nome:\n');
    gabriel.type('gabriel');
    await gabriel.sees('Online (2)');
    await allanys.sees('gabriel entrou no chat!\n');

    const gustavo = netcat(port);
    await gustavo.sees('Digite seu nome:\n');
    gustavo.type('gustavo');
    await gustavo.sees('Online (3)');
    await gabriel.sees('gustavo entrou no chat!\n');
    await allanys.sees('gustavo entrou no chat!\n');

    allanys.type('Olá, pessoal! 👋');
    await gabriel.sees('allanys: Olá, pessoal! 👋\n');
    await gustavo.sees('allanys: Olá, pessoal! 👋\n');

    gabriel.type('@gustavo segredo entre nós');
    await gustavo.sees('[privado] gabriel: segredo entre nós\n');

    gabriel.type('/quit');
    await allanys.sees('gabriel saiu do chat.\n');
    await gustavo.sees('gabriel saiu do chat.\n');
    gabriel.hangUp();
    await gabriel.exited;

    gustavo.type('tchau');
    await allanys.sees('gustavo: tchau\n');

    expect(allanys.screen).toBe(
      [
        'Digite seu nome:',
        'Bem-vindo, allanys! Online (1): allanys',
        'gabriel entrou no chat!',
        'gustavo entrou no chat!',
        'gabriel saiu do chat.',
        'gustavo: tchau',
        '',
      ].join('\n'),
    );
    expect(gabriel.screen).toBe(
      [
        'Digite seu nome:',
        'Bem-vindo, gabriel! Online (2): allanys, gabriel',
        'gustavo entrou no chat!',
        'allanys: Olá, pessoal! 👋',
        '',
      ].join('\n'),
    );
    expect(gustavo.screen).toBe(
      [
        'Digite seu nome:',
        'Bem-vindo, gustavo! Online (3): allanys, gabriel, gustavo',
        'allanys: Olá, pessoal! 👋',
        '[privado] gabriel: segredo entre nós',
        'gabriel saiu do chat.',
        '',
      ].join('\n'),
    );
  } finally {
    await server.close();
  }
});

it('after /quit, nc exits by itself within CHAT_CLOSE_GRACE_MS, Enter pressed or not', async () => {
  const server = new ChatServer({ host: '127.0.0.1', port: 0, closeGraceMs: 300 });
  const { port } = await server.listen();
  try {
    const quiet = netcat(port);
    const typing = netcat(port);
    for (const [nc, name] of [
      [quiet, 'quieta'],
      [typing, 'digita'],
    ] as const) {
      await nc.sees('Digite seu nome:\n');
      nc.type(name);
      await nc.sees(`Bem-vindo, ${name}!`);
      nc.type('/quit');
    }
    typing.type('');
    await Promise.all([quiet.exited, typing.exited]);
    await vi.waitFor(() => expect(server.socketCount).toBe(0), { timeout: 5000 });
  } finally {
    await server.close();
  }
});
