/**
 * Labelled lines over real TCP sockets (docs/PROTOCOL.md, Labels): each one
 * handled once and confirmed exactly once, whatever happened to it, within a
 * run and across a `kill -9` and restart of the real server on a SQLite file.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinWith, start, sync, track } from './helpers.ts';
import { LineClient } from '../../helpers/line-client.ts';
import { killAll, startTcpServer } from '../../helpers/processes.ts';

const ACK = /^\+ack (\d+|-) (\d+) ([A-Za-z0-9_-]+)$/;

/** Every line `c` got after `from` that is an ack for a label. */
function acks(c: LineClient, from = 0): string[] {
  return c.lines.slice(from).filter((l) => ACK.test(l));
}

describe('labelled lines in one run', () => {
  it('sends a labelled public line once, acks it with its id, and answers a resend with the same ack and nothing else', async () => {
    const { port, join } = await start();
    const ana = await joinWith(port, 'ana', 'ids labels');
    const bob = await join('bob');
    await ana.client.expect('bob entrou no chat!');
    ana.client.send('/label L1 oi, pessoal');
    const ack = await ana.client.next();
    const [, id, time, label] = ACK.exec(ack)!;
    expect(Number(id)).toBeGreaterThan(0);
    expect(label).toBe('L1');
    await bob.expect('ana: oi, pessoal');
    ana.client.send('/label L1 oi, pessoal');
    await ana.client.expect(`+ack ${id} ${time} L1`);
    await sync(ana.client);
    await sync(bob);
    expect(bob.lines.filter((l) => l === 'ana: oi, pessoal')).toHaveLength(1);
    // One ack per line: the ids ack is replaced, not doubled.
    expect(ana.client.lines.filter((l) => l.startsWith('+ack '))).toEqual([ack, ack]);
    ana.client.send('/history 5');
    await ana.client.expect('Histórico (1):');
  });

  it('acks private lines, a missing recipient, an empty private line and a too-long line with -, once each', async () => {
    const { port, join } = await start({ maxLine: 200 });
    const ana = await joinWith(port, 'ana', 'labels');
    const bob = await join('bob');
    await ana.client.expect('bob entrou no chat!');
    const from = ana.client.lines.length;
    ana.client.send('/label p1 @bob psst');
    expect(await ana.client.next()).toMatch(/^\+ack - \d+ p1$/);
    await bob.expect('[privado] ana: psst');
    ana.client.send('/label p2 @zed alô');
    await ana.client.expect('Usuário zed não encontrado.');
    expect(await ana.client.next()).toMatch(/^\+ack - \d+ p2$/);
    ana.client.send('/label p3 @bob   ');
    await ana.client.expect('Mensagem privada vazia: use @nome texto.');
    expect(await ana.client.next()).toMatch(/^\+ack - \d+ p3$/);
    ana.client.send(`/label p4 ${'x'.repeat(300)}`);
    await ana.client.expect('Mensagem muito longa (máximo 200 bytes).');
    expect(await ana.client.next()).toMatch(/^\+ack - \d+ p4$/);
    // Resent: the same acks, and bob gets nothing twice.
    for (const l of ['p1', 'p2', 'p3', 'p4']) ana.client.send(`/label ${l} @bob psst`);
    await sync(ana.client);
    await sync(bob);
    const got = acks(ana.client, from);
    expect(got).toHaveLength(8);
    expect(got.slice(4)).toEqual(got.slice(0, 4));
    expect(bob.lines.filter((l) => l.startsWith('[privado]'))).toEqual(['[privado] ana: psst']);
  });

  it('answers a labelled command, empty text or a bad label with +usage label only', async () => {
    const { port } = await start();
    const ana = await joinWith(port, 'ana', 'labels');
    for (const line of ['/label x /users', '/label x', '/label x ', '/label b@d oi', `/label ${'a'.repeat(65)} oi`]) {
      ana.client.send(line);
      await ana.client.expect('+usage label');
    }
    await sync(ana.client);
    expect(acks(ana.client)).toEqual([]);
  });

  it('without labels on, /label is an unknown command', async () => {
    const { join } = await start();
    const bob = await join('bob');
    bob.send('/label x oi');
    await bob.expect('Comando desconhecido: /label. Comandos: /users, /history, /quit e //texto para enviar /texto.');
  });

  it('with CHAT_HISTORY=off, labels still work: public lines are acked with -', async () => {
    const { port, join } = await start({ historyMode: 'off' });
    const ana = await joinWith(port, 'ana', 'ids labels');
    expect(ana.client.lines).toContain('+ext labels');
    const bob = await join('bob');
    await ana.client.expect('bob entrou no chat!');
    ana.client.send('/label k oi');
    expect(await ana.client.next()).toMatch(/^\+ack - \d+ k$/);
    await bob.expect('ana: oi');
    ana.client.send('/label k oi');
    expect(await ana.client.next()).toMatch(/^\+ack - \d+ k$/);
    await sync(bob);
    expect(bob.lines.filter((l) => l === 'ana: oi')).toHaveLength(1);
  });
});

describe('labels across kill -9 and a restart (real SQLite file)', () => {
  let dir: string | null = null;
  afterEach(() => {
    killAll();
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });
  afterAll(killAll);

  it('recognises every line the killed server acked: resent, it gets the same ack and is not stored twice', async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat-resume-labels-'));
    const env = { CHAT_DB: join(dir, 'chat.db') };
    const first = await startTcpServer(env);
    const ana = await joinWith(first.port, 'ana', 'ids labels');
    const sent = Array.from({ length: 30 }, (_, i) => `/label lab-${i} linha ${i}`);
    for (const line of sent) ana.client.send(line);
    const got: string[] = [];
    while (got.length < sent.length) got.push(await ana.client.next((l) => ACK.test(l)));
    await first.stop('SIGKILL');

    const second = await startTcpServer(env);
    const again = track(await LineClient.connect(second.port));
    await again.expect('Digite seu nome:');
    again.send('/ext ids labels');
    again.send('ana');
    await again.next((l) => l.startsWith('Bem-vindo, '));
    for (const line of sent) again.send(line);
    again.send('/label novo linha nova');
    const resent: string[] = [];
    while (resent.length < sent.length + 1) resent.push(await again.next((l) => ACK.test(l)));
    expect(resent.slice(0, sent.length)).toEqual(got);
    again.send('/history 200');
    await again.expect('Histórico (31):');
    const stored: string[] = [];
    for (let i = 0; i < 31; i++) stored.push((await again.next()).replace(/^\[[^\]]*\] /, ''));
    expect(stored).toEqual([...sent.map((_, i) => `ana: linha ${i}`), 'ana: linha nova']);
    await second.stop();
  });
});
