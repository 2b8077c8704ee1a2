/**
 * Session resume over real TCP sockets (docs/PROTOCOL.md, Session resume):
 * a dropped client resumes with exactly what it missed, in order, and the
 * room sees nothing; the grace, unknown tokens, gaps, takeovers, overflow
 * and `/quit`.
 */
import { describe, expect, it } from 'vitest';
import { joinWith, resume, start, sync, waitUntil } from './helpers.ts';

describe('the single server\'s token', () => {
  it('is 144 random bits in 24 base64url characters, naming no node', async () => {
    const { port } = await start();
    const tokens = [(await joinWith(port, 'ana')).token!, (await joinWith(port, 'bia')).token!];
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(tokens[0]).not.toBe(tokens[1]);
  });
});

describe('resuming after the connection drops', () => {
  it('replays exactly the missed public, private, join and leave lines in order; the others see no leave or join', async () => {
    const { port, join } = await start();
    const ana = await joinWith(port, 'ana');
    const bob = await join('bob');
    const carol = await join('carol');
    await ana.client.expect('bob entrou no chat!');
    await ana.client.expect('carol entrou no chat!');
    const count = ana.count();
    ana.client.socket.resetAndDestroy();

    bob.send('um');
    bob.send('@ana psst');
    await sync(bob); // bob's lines are handled before carol's
    carol.send('/quit');
    await bob.next((l) => l === 'carol saiu do chat.');
    const dave = await join('dave');
    bob.send('dois');
    await dave.expect('bob: dois');

    const back = await resume(port, ana.token!, count);
    expect(back.answer).toBe(`+resumed ana ${count + 5}`);
    for (const line of ['bob: um', '[privado] bob: psst', 'carol saiu do chat.', 'dave entrou no chat!', 'bob: dois']) {
      await back.client.expect(line);
    }
    // Then live lines, the count running on.
    bob.send('três');
    await back.client.expect('bob: três');
    await sync(back.client);
    await sync(bob);
    expect(bob.lines.filter((l) => l.startsWith('ana '))).toEqual([]);
    expect(dave.lines).not.toContain('ana entrou no chat!');
    expect(back.client.lines.slice(back.client.lines.indexOf(back.answer) + 1).length).toBe(7);
  });

  it('replays the lines written to a socket that was already dead (from the client’s count, not the server’s)', async () => {
    const { port, join } = await start();
    const ana = await joinWith(port, 'ana');
    const bob = await join('bob');
    await ana.client.expect('bob entrou no chat!');
    const count = ana.count();
    // The client stops reading: what the server writes now never reaches it.
    ana.client.socket.pause();
    bob.send('perdida?');
    await sync(bob);
    ana.client.socket.resetAndDestroy();
    const back = await resume(port, ana.token!, count);
    expect(back.answer).toBe(`+resumed ana ${count + 1}`);
    await back.client.expect('bob: perdida?');
  });

  it('resumes a client that closed its side (a gateway whose browser went away), as a drop', async () => {
    const { port, join } = await start();
    const ana = await joinWith(port, 'ana');
    const bob = await join('bob');
    await ana.client.expect('bob entrou no chat!');
    const count = ana.count();
    ana.client.socket.end();
    await ana.client.closed;
    bob.send('oi');
    await sync(bob);
    const back = await resume(port, ana.token!, count);
    expect(back.answer).toBe(`+resumed ana ${count + 1}`);
    await back.client.expect('bob: oi');
    expect(bob.lines).not.toContain('ana saiu do chat.');
  });

  it('keeps the features of the session (ids) on the resumed connection', async () => {
    const { port, join } = await start();
    const ana = await joinWith(port, 'ana', 'ids resume labels');
    const bob = await join('bob');
    await ana.client.expect('bob entrou no chat!');
    const count = ana.count();
    ana.client.close();
    bob.send('com id');
    await sync(bob);
    const back = await resume(port, ana.token!, count, 'resume');
    expect(back.answer).toBe(`+resumed ana ${count + 1}`);
    expect(await back.client.next()).toMatch(/^\+msg \d+ \d+ bob: com id$/);
    back.client.send('/label L1 de volta');
    expect(await back.client.next()).toMatch(/^\+ack \d+ \d+ L1$/);
  });
});

describe('a replay bigger than CHAT_SENDQ', () => {
  it('reaches the resumer whole, without cutting it off as a slow reader', async () => {
    const { port, join } = await start({ sendQueue: 8192, resumeBufferBytes: 256 * 1024, rate: 1000, burst: 1000 });
    const ana = await joinWith(port, 'ana');
    const bob = await join('bob');
    await ana.client.expect('bob entrou no chat!');
    const count = ana.count();
    ana.client.close();
    for (let i = 0; i < 50; i++) bob.send(`${i} ${'x'.repeat(1000)}`);
    await sync(bob);
    const back = await resume(port, ana.token!, count);
    expect(back.answer).toBe(`+resumed ana ${count + 50}`);
    for (let i = 0; i < 50; i++) await back.client.expect(`bob: ${i} ${'x'.repeat(1000)}`);
    bob.send('depois');
    await back.client.expect('bob: depois');
    expect(bob.lines).not.toContain('ana saiu do chat.');
  });
});

describe('when resuming fails', () => {
  it('after the grace the member leaves once, normally, and the token is unknown', async () => {
    const { port, join } = await start({ resumeGraceMs: 200 });
    const ana = await joinWith(port, 'ana');
    const bob = await join('bob');
    await ana.client.expect('bob entrou no chat!');
    const count = ana.count();
    ana.client.close();
    await bob.expect('ana saiu do chat.');
    const back = await resume(port, ana.token!, count);
    expect(back.answer).toBe('+resume-failed unknown');
    await back.client.expect('Digite seu nome:');
    // The name is free again, and the failed client can join with it.
    back.client.send('ana');
    expect(await back.client.next()).toMatch(/^\+session [A-Za-z0-9_-]+$/);
    await back.client.expect('Bem-vindo, ana! Online (2): ana, bob');
    await bob.expect('ana entrou no chat!');
    await sync(bob);
    expect(bob.lines.filter((l) => l === 'ana saiu do chat.')).toHaveLength(1);
  });

  it('answers an unknown or forged token with unknown and the prompt, never someone else’s session', async () => {
    const { port } = await start();
    const ana = await joinWith(port, 'ana');
    const token = ana.token!;
    const forged = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    for (const t of [forged, token.slice(1), token + 'x', 'A']) {
      const back = await resume(port, t, 0);
      expect(back.answer, t).toBe('+resume-failed unknown');
      await back.client.expect('Digite seu nome:');
    }
    // ana was never disturbed.
    await sync(ana.client);
    expect(ana.client.lines).not.toContain('+session-moved');
  });

  it('answers a malformed /resume or a count never sent with +usage resume and the prompt', async () => {
    const { port } = await start();
    const ana = await joinWith(port, 'ana');
    for (const line of ['/resume', `/resume ${ana.token}`, `/resume ${ana.token} x`, '/resume t$k 1', `/resume ${ana.token} 1000`]) {
      const c = await resume(port, 'unused', 0).then((r) => r.client);
      await c.expect('Digite seu nome:');
      c.send(line);
      await c.expect('+usage resume');
      await c.expect('Digite seu nome:');
    }
  });

  it('without resume on, /resume is an invalid name as before', async () => {
    const { port, connect } = await start();
    const ana = await joinWith(port, 'ana');
    const c = await connect();
    await c.expect('Digite seu nome:');
    c.send(`/resume ${ana.token} 0`);
    await c.expect('Nome inválido: use de 1 a 32 letras, números, _, - ou . (sem espaços).');
    await c.expect('Digite seu nome:');
  });

  it('says gap when the lines after the count are no longer kept, and the member leaves', async () => {
    const { port, join } = await start({ resumeBufferBytes: 2048 });
    const ana = await joinWith(port, 'ana');
    const bob = await join('bob');
    await ana.client.expect('bob entrou no chat!');
    for (let i = 0; i < 10; i++) bob.send(`${i} ${'x'.repeat(400)}`);
    await ana.client.next((l) => l.startsWith('bob: 9 '));
    ana.client.close();
    const back = await resume(port, ana.token!, 1);
    expect(back.answer).toBe('+resume-failed gap');
    await back.client.expect('Digite seu nome:');
    await bob.next((l) => l === 'ana saiu do chat.');
    const again = await resume(port, ana.token!, ana.count());
    expect(again.answer).toBe('+resume-failed unknown');
  });

  it('ends the session with a leave when the lines held while detached pass CHAT_RESUME_BUFFER_BYTES', async () => {
    const { port, join } = await start({ resumeBufferBytes: 2048 });
    const ana = await joinWith(port, 'ana');
    const bob = await join('bob');
    await ana.client.expect('bob entrou no chat!');
    const count = ana.count();
    ana.client.close();
    for (let i = 0; i < 10 && !bob.lines.includes('ana saiu do chat.'); i++) {
      bob.send(`${i} ${'x'.repeat(400)}`);
      await sync(bob);
    }
    expect(bob.lines).toContain('ana saiu do chat.');
    const back = await resume(port, ana.token!, count);
    expect(back.answer).toBe('+resume-failed unknown');
  });

  it('/quit ends the session at once: a normal leave, then the token is unknown', async () => {
    const { port, join } = await start();
    const ana = await joinWith(port, 'ana');
    const bob = await join('bob');
    await ana.client.expect('bob entrou no chat!');
    ana.client.send('/quit');
    await bob.expect('ana saiu do chat.');
    const back = await resume(port, ana.token!, ana.count());
    expect(back.answer).toBe('+resume-failed unknown');
  });
});

describe('one connection at a time', () => {
  it('a second connection takes the session over: the first gets +session-moved last and is closed; nobody sees a leave', async () => {
    const { port, join } = await start();
    const ana = await joinWith(port, 'ana');
    const bob = await join('bob');
    await ana.client.expect('bob entrou no chat!');
    await sync(ana.client);
    const count = ana.count();
    const tab2 = await resume(port, ana.token!, count);
    expect(tab2.answer).toBe(`+resumed ana ${count}`);
    const rest = await ana.client.rest();
    expect(rest.at(-1)).toBe('+session-moved');
    bob.send('para a aba nova');
    await tab2.client.expect('bob: para a aba nova');
    bob.send('@ana só para ela');
    await tab2.client.expect('[privado] bob: só para ela');
    await sync(bob);
    expect(bob.lines.filter((l) => l.startsWith('ana '))).toEqual([]);
  });
});

describe('with CHAT_RESUME_GRACE_MS=0', () => {
  it('leaves resume out of +ext, sends no +session, and a drop is a leave as before', async () => {
    const { port, join } = await start({ resumeGraceMs: 0 });
    const bob = await join('bob');
    const ana = await joinWith(port, 'ana', 'ids resume labels');
    expect(ana.token).toBeNull();
    expect(ana.client.lines[1]).toBe('+ext ids labels');
    expect(ana.client.lines[2]).toBe('Bem-vindo, ana! Online (2): ana, bob');
    await bob.expect('ana entrou no chat!');
    ana.client.close();
    await bob.expect('ana saiu do chat.');
  });
});

describe('the server’s bookkeeping', () => {
  it('ends detached sessions on shutdown, leaving no timer behind', async () => {
    const { port, server } = await start();
    const ana = await joinWith(port, 'ana');
    ana.client.close();
    await waitUntil(() => server.connectionCount === 0);
    await server.close();
    expect(server.sessionCount).toBe(0);
  });
});
