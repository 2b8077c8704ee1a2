/**
 * A client that does not opt in to resume or labels gets exactly today's
 * bytes: the same transcript, byte for byte, from a server with resume on
 * and from one with CHAT_RESUME_GRACE_MS=0, and both equal the transcript
 * the protocol's own formatEvent gives for what happened.
 */
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';
import { type ServerEvent, formatEvent } from '../../../protocol/index.ts';
import { joinWith, start, sync, track } from './helpers.ts';
import { LineClient } from '../../helpers/line-client.ts';

/** A raw socket that keeps every byte it receives. */
async function rawClient(port: number) {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => {});
  const closed = once(socket, 'close');
  return { socket, bytes: () => Buffer.concat(chunks), closed };
}

/** The script: plain bob (no /ext) and carol (`/ext` with no feature) with ana, who uses resume and labels. */
async function transcripts(resumeGraceMs: number): Promise<{ bob: Buffer; carol: Buffer }> {
  const { port } = await start({ resumeGraceMs });
  const bob = await rawClient(port);
  bob.socket.write('bob\n');
  const carol = track(await LineClient.connect(port));
  await carol.expect('Digite seu nome:');
  carol.send('/ext');
  await carol.expect('+ext');
  carol.send('carol');
  await carol.next((l) => l.startsWith('Bem-vindo'));
  const ana = await joinWith(port, 'ana', 'resume labels');
  await carol.expect('ana entrou no chat!');
  ana.client.send('/label L1 oi, pessoal');
  ana.client.send('/label L1 oi, pessoal');
  ana.client.send('/label L2 @bob psst');
  ana.client.send('/label L3 //barra');
  await ana.client.next((l) => l.endsWith(' L3'));
  bob.socket.write('olá ana\n@carol oi carol\n/users\n');
  await carol.expect('ana: oi, pessoal');
  await carol.expect('ana: /barra');
  await carol.expect('bob: olá ana');
  await carol.expect('[privado] bob: oi carol');
  carol.send('/label L4 não é comando para mim');
  await carol.next((l) => l.startsWith('Comando desconhecido'));
  ana.client.send('/quit');
  await carol.expect('ana saiu do chat.');
  await sync(carol);
  bob.socket.write('/quit\n');
  await bob.closed;
  carol.send('/quit');
  await carol.closed;
  return { bob: bob.bytes(), carol: Buffer.from(carol.lines.map((l) => l + '\n').join('')) };
}

const text = (events: ServerEvent[]) => Buffer.from(events.map((e) => formatEvent(e) + '\n').join(''));

describe('clients that do not opt in', () => {
  it('get the same bytes with resume on and off, and they are the plain protocol', async () => {
    const on = await transcripts(30_000);
    const off = await transcripts(0);
    expect(on.bob.equals(off.bob)).toBe(true);
    expect(on.carol.equals(off.carol)).toBe(true);
    expect(on.bob.toString()).toBe(
      text([
        { type: 'prompt' },
        { type: 'welcome', name: 'bob', users: ['bob'] },
        { type: 'join', name: 'carol' },
        { type: 'join', name: 'ana' },
        { type: 'public', from: 'ana', text: 'oi, pessoal' },
        { type: 'private', from: 'ana', text: 'psst' },
        { type: 'public', from: 'ana', text: '/barra' },
        { type: 'users', users: ['ana', 'bob', 'carol'] },
        { type: 'leave', name: 'ana' },
      ]).toString(),
    );
    expect(on.carol.toString()).toBe(
      text([
        { type: 'prompt' },
        { type: 'ext-features', features: [] },
        { type: 'welcome', name: 'carol', users: ['bob', 'carol'] },
        { type: 'join', name: 'ana' },
        { type: 'public', from: 'ana', text: 'oi, pessoal' },
        { type: 'public', from: 'ana', text: '/barra' },
        { type: 'public', from: 'bob', text: 'olá ana' },
        { type: 'private', from: 'bob', text: 'oi carol' },
        { type: 'notice', notice: 'unknown-command', command: 'label' },
        { type: 'leave', name: 'ana' },
        { type: 'users', users: ['bob', 'carol'] },
        { type: 'leave', name: 'bob' },
      ]).toString(),
    );
  });
});
